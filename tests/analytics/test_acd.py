"""The ACD record CSV: reading the sample, the rules, the error messages, and the write/read round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from analytics.acd import AcdRecord, parse_acd_csv, read_acd_csv, write_acd_csv
from common.errors import InvalidInput

SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "acd" / "sample-acd.csv"
HEADER = "queue,offered_at,answered_at,abandoned_at,handle_s,agent_id,blocked,contact_id"


def parse(*rows: str, header: str = HEADER) -> list[AcdRecord]:
    return parse_acd_csv([header, *rows], "acd.csv")


def error(*rows: str, header: str = HEADER) -> str:
    with pytest.raises(InvalidInput) as info:
        parse(*rows, header=header)
    return str(info.value)


def test_sample_file_reads_and_covers_every_outcome() -> None:
    records = read_acd_csv(SAMPLE)
    assert 35 <= len(records) <= 50
    first = records[0]
    assert first == AcdRecord(
        queue="billing",
        offered_at=datetime(2026, 3, 2, 9, 1, 44, tzinfo=UTC),
        answered_at=datetime(2026, 3, 2, 9, 1, 54, tzinfo=UTC),
        handle_s=163.0,
        agent_id="a-103",
        contact_id="C-1001",
    )
    assert {r.queue for r in records} == {"billing", "tech-support"}
    assert sum(r.blocked for r in records) >= 2
    abandoned = [r for r in records if r.abandoned_at is not None]
    short = [r for r in abandoned if r.abandoned_at - r.offered_at <= timedelta(seconds=10)]  # type: ignore[operator]
    assert len(short) >= 2 and len(abandoned) > len(short)
    assert any(r.answered_at is not None and r.handle_s is None for r in records)
    assert len({r.agent_id for r in records if r.agent_id}) >= 4
    assert any(r.call_id for r in records)
    starts = {r.offered_at.replace(minute=r.offered_at.minute // 30 * 30, second=0) for r in records}
    assert len(starts) >= 3 and len({r.offered_at.date() for r in records}) == 1


def test_columns_in_any_order_unknown_ignored_naive_is_utc() -> None:
    records = parse(
        "09:00 note,2026-03-02 09:15:30,2026-03-02T09:15:42,Billing ,yes",
        header=" Notes ,Offered_At,answered_at,queue,extra",
    )
    assert records[0].queue == "Billing"
    assert records[0].offered_at == datetime(2026, 3, 2, 9, 15, 30, tzinfo=UTC)
    assert records[0].answered_at == datetime(2026, 3, 2, 9, 15, 42, tzinfo=UTC)
    assert records[0].handle_s is None and not records[0].blocked
    # The second row has no queue: the error names its line (header is line 1).
    with pytest.raises(InvalidInput, match=r"acd\.csv line 2, column queue: is empty"):
        parse("x,2026-03-02T10:15:00+01:00,,,", header=" Notes ,Offered_At,answered_at,queue,extra")


def test_blocked_values_and_offsets() -> None:
    records = parse(
        "q,2026-03-02T09:00:00Z,,,,,TRUE,c1",
        "q,2026-03-02T09:00:00Z,,,,,1,c2",
        "q,2026-03-02T09:00:00Z,,2026-03-02T10:00:05+01:00,,,No,c3",
        "q,2026-03-02T09:00:00Z,,2026-03-02T09:00:05Z,,,0,c4",
    )
    assert [r.blocked for r in records] == [True, True, False, False]
    assert records[2].abandoned_at == datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    assert records[2].abandoned_at.utcoffset() == timedelta(hours=1)
    assert "column blocked: 'maybe' is not true/false" in error("q,2026-03-02T09:00:00Z,,,,,maybe,c1")


def test_bad_time_names_source_line_and_column() -> None:
    message = error(
        "q,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,120,a1,,c1",
        "q,2026-03-02T09:01:00Z,2026-13-01 10:00,,120,a1,,c2",
    )
    assert message == (
        "acd.csv line 3, column answered_at: '2026-13-01 10:00' is not an ISO 8601 time "
        "such as 2026-03-02T09:15:00Z"
    )
    assert "line 2, column offered_at: '2026-03-02' is not an ISO 8601 time" in error(
        "q,2026-03-02,2026-03-02T09:00:10Z,,,,,"
    )


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("q,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,2026-03-02T09:00:20Z,,,,c1", "column abandoned_at: "),
        ("q,2026-03-02T09:00:00Z,,,,,,c1", "column answered_at: no outcome"),
        ("q,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,,,true,c1", "column answered_at: a blocked contact"),
        ("q,2026-03-02T09:00:00Z,,2026-03-02T09:00:10Z,,,yes,c1", "column abandoned_at: a blocked contact"),
        (
            "q,2026-03-02T09:00:00Z,2026-03-02T08:59:59Z,,,,,c1",
            "column answered_at: 2026-03-02T08:59:59+00:00 is before",
        ),
        ("q,2026-03-02T09:00:00Z,,2026-03-02T08:00:00Z,,,,c1", "column abandoned_at: "),
        ("q,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,-3,,,c1", "column handle_s: '-3' must be 0 or more"),
        ("q,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,long,,,c1", "column handle_s: 'long' is not a number"),
        (
            "q,2026-03-02T09:00:00Z,,2026-03-02T09:00:10Z,45,,,c1",
            "column handle_s: 45 s on a contact that was not",
        ),
        (",2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,,,,c1", "column queue: is empty"),
        ("q,,2026-03-02T09:00:10Z,,,,,c1", "column offered_at: is empty"),
    ],
)
def test_rule_breaks_name_line_and_column(row: str, expected: str) -> None:
    message = error(row)
    assert message.startswith("acd.csv line 2, column ")
    assert expected in message


def test_zero_handle_time_on_an_abandon_is_dropped_and_missing_handle_time_is_allowed() -> None:
    abandoned, answered = parse(
        "q,2026-03-02T09:00:00Z,,2026-03-02T09:00:10Z,0,,,c1",
        "q,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,,a1,,c2",
    )
    assert abandoned.handle_s is None
    assert answered.handle_s is None and answered.agent_id == "a1"


def test_file_level_errors() -> None:
    with pytest.raises(InvalidInput, match=r"acd\.csv is empty"):
        parse_acd_csv([], "acd.csv")
    with pytest.raises(InvalidInput, match=r"acd\.csv is empty"):
        parse_acd_csv(["", "  "], "acd.csv")
    assert "the header has no offered_at column" in error(header="queue,answered_at")
    assert "column queue appears twice" in error(header="queue,offered_at,Queue")
    duplicate = error(
        "q,2026-03-02T09:00:00Z,2026-03-02T09:00:10Z,,100,a1,,C-9",
        "q,2026-03-02T09:05:00Z,,2026-03-02T09:05:30Z,,,,C-8",
        "q,2026-03-02T09:10:00Z,,2026-03-02T09:10:30Z,,,,C-9",
    )
    assert duplicate.startswith("acd.csv line 4, column contact_id: 'C-9' is already on line 2")
    assert "quote values that contain commas" in error("q,2026-03-02T09:00:00Z,,,,,true,c1,oops")


def test_read_handles_bom_blank_lines_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "\ufeffqueue,offered_at,blocked\r\n\r\nsales,2026-03-02T09:00:00Z,true\r\n", encoding="utf-8"
    )
    assert read_acd_csv(path) == [
        AcdRecord(queue="sales", offered_at=datetime(2026, 3, 2, 9, tzinfo=UTC), blocked=True)
    ]
    path.write_text("queue,offered_at,blocked\nsales,2026-03-02T09:00:00Z,sometimes\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=rf"{path.name} line 2, column blocked"):
        read_acd_csv(path)
    with pytest.raises(InvalidInput, match="no such file"):
        read_acd_csv(tmp_path / "missing.csv")


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    cet = timezone(timedelta(hours=1))
    records = [
        *read_acd_csv(SAMPLE),
        AcdRecord(
            queue="sales, EMEA",  # a comma must survive quoting
            offered_at=datetime(2026, 3, 2, 10, 0, 0, 250000, tzinfo=cet),
            answered_at=datetime(2026, 3, 2, 10, 0, 7, tzinfo=cet),
            handle_s=187.123456789,
            agent_id="a-9",
            call_id="call-77",
        ),
        AcdRecord(queue="sales", offered_at=datetime(2026, 3, 2, 9, 1, tzinfo=UTC), blocked=True),
    ]
    path = tmp_path / "out.csv"
    write_acd_csv(records, path)
    again = read_acd_csv(path)
    assert again == records
    assert again[-2].offered_at.utcoffset() == timedelta(hours=1)
    assert path.read_text(encoding="utf-8").splitlines()[0] == (
        "queue,offered_at,answered_at,abandoned_at,handle_s,agent_id,blocked,contact_id,call_id"
    )
