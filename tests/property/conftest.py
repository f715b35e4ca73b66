"""Hypothesis profiles for the property tests: ``ci`` (the default) is derandomized, so that every run
sees the same examples; ``HYPOTHESIS_PROFILE=thorough`` searches 20 times as many, differently each
run. The profiles are applied per test (``property_helpers.fuzz``), not loaded globally, so that other
hypothesis users in the suite (schemathesis) keep their own settings."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_COMMON = {
    # Examples are small files on disk; a slow first example (imports, a fixture) is not a failure.
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("thorough", **_COMMON)  # type: ignore[arg-type]
