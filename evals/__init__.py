"""Dataset adapters, metrics and eval runs. Not built yet (issue #3)."""

__all__: list[str] = []
