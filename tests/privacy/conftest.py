"""Fixtures for the privacy tests: the real redactor, loaded once per session without network."""

from __future__ import annotations

import pytest
from privacy_helpers import no_network

from privacy import Redactor, get_redactor


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    """The default redactor (Presidio on the bundled spaCy model), loaded with the network cut."""
    with no_network():
        r = get_redactor()
        # One call through every recognizer, so lazily loaded parts load here too.
        r.redact_text("John Smith, john@example.com, 4111 1111 1111 1111, born 03/03/1985, 221 Baker Street")
    return r
