"""Scorecards, item scorers with evidence, call tagging and calibration. Not built yet (issues #5, #6)."""

__all__: list[str] = []
