"""Importing ACD contact records (docs/acd-records.md): the whole file or nothing; a re-imported
``contact_id`` replaces its row, and calls the records name get the ACD's handle time."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from api import store_analytics
from api.runtime import Runtime
from common.errors import InvalidInput

__all__ = ["AcdImport", "import_acd_data", "import_acd_file"]


@dataclass(slots=True)
class AcdImport:
    source: str
    records: int
    new: int
    replaced: int
    linked_calls: int  # stored calls the records name (their handle time now comes from the ACD)


def import_acd_data(rt: Runtime, name: str, data: bytes) -> AcdImport:
    from analytics.acd import parse_acd_csv

    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from None
    # A file object, not split lines: a quoted value may hold a line break.
    records = parse_acd_csv(io.StringIO(content, newline=""), name)
    with rt.db.engine.begin() as conn:
        new, replaced = store_analytics.save_acd_records(conn, records, name)
        linked = store_analytics.link_acd_handle_times(conn, [r.call_id for r in records if r.call_id])
    return AcdImport(name, len(records), new, replaced, linked)


def import_acd_file(rt: Runtime, path: Path) -> AcdImport:
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file; give a CSV of ACD contact records (docs/acd-records.md)")
    return import_acd_data(rt, path.name, path.read_bytes())
