"""Live agent assist: turns in, suggestions out. Not built yet (issue #4)."""

__all__: list[str] = []
