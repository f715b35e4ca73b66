"""Fixtures of the eval tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_helpers import Unseen, write_unseen


@pytest.fixture
def unseen(tmp_path: Path) -> Unseen:
    return write_unseen(tmp_path / "unseen")
