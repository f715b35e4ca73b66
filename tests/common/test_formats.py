"""The labeled-call JSONL reader: every bad line is reported with file and line; good lines survive."""

from __future__ import annotations

import json
from pathlib import Path

from common.formats import read_labeled_calls


def test_bad_lines_are_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    good = json.dumps({"call_id": "c-1", "started_at": "2026-03-02T09:15:00"}).encode()
    path.write_bytes(
        b"\n".join(
            [
                good,
                b'{"call_id": "caf\xe9"}',  # Latin-1, not UTF-8
                b"[1, 2]",
                json.dumps({"call_id": "c-2", "started_at": "2026-02-30"}).encode(),  # no such date
                b"",
                json.dumps({"call_id": "c-3"}).encode(),
            ]
        )
    )
    result = read_labeled_calls(path)
    assert [(n, c.call_id) for n, c in result.calls] == [(1, "c-1"), (6, "c-3")]
    assert result.calls[0][1].started_at is not None and result.calls[0][1].started_at.tzinfo is not None
    errors = {e.line: e.message for e in result.errors}
    assert set(errors) == {2, 3, 4}
    assert errors[2].startswith(f"{path}:2: not UTF-8")
    assert "JSON object" in errors[3]
    assert "field 'started_at'" in errors[4]
