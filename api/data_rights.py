"""Data-subject rights and retention over stored calls.

``delete_call`` removes a call everywhere it left a trace, in one database transaction: the call and
every row that hangs off it (transcript, tags, QA scores, evaluations, acknowledgements, disputes,
review picks, analytics facts with the reason's embedding), its reason among a topic's examples, its
ingest jobs (their arguments hold the call's record) with their events, the ingest failures of its
content, and its id in calibration sessions. ACD records that named it are unlinked, and the
repeats of its customer's other calls are measured again without it. After the commit its files
under callscope's home go: the stored recording, a redacted copy, a half-written copy.

``purge_older_than`` is the retention policy: calls that started more than N days ago (recordings
without a start time: stored more than N days ago) lose everything that identifies a person (the
recording, transcript and reference turns, redaction spans, preview, source, customer id, free text
in labels, evaluations and extra fields, QA evidence and rationales, reviewers' and agents' comments,
the tags' evidence, the reason's text and embedding) and keep their de-identified fact row (time,
queue, team, agent, channel, contact type, sentiment, QA score and failed items, the measured
repeat, conversation metrics), so the dashboard's figures stay as they were. Purged calls are
marked (``calls.purged_at``), show ``[PURGED]`` as preview and source, and are skipped next time.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from api.runtime import Runtime
from common.errors import InvalidInput, NotFound

__all__ = [
    "PURGED",
    "DeletedCall",
    "PurgeReport",
    "RetentionOptions",
    "apply_retention",
    "delete_call",
    "purge_older_than",
]

#: What a purged call shows as its preview and source.
PURGED = "[PURGED]"


@dataclass(slots=True)
class RetentionOptions:
    """``batch`` (500): calls purged per transaction (their files go after each commit). ``listed``
    (100): call ids a report names. ``keep_fields`` (team, generated): fields of a purged call's
    ``extra`` and ``labels`` kept as they are: the team scopes who sees the call and groups the
    dashboard, ``generated`` marks demo history; every other field goes (``labels`` keep their
    label-like values, such as ``contact_type``)."""

    batch: int = 500
    listed: int = 100
    keep_fields: tuple[str, ...] = ("team", "generated")


@dataclass(slots=True)
class DeletedCall:
    """What deleting a call removed: rows by table (``acd_records (unlinked)`` and the like count rows
    changed rather than deleted), and files. ``files_kept`` are recordings outside callscope's home
    (a path the caller gave), which are not callscope's to remove."""

    call_id: str
    rows: dict[str, int]
    files_removed: list[str]
    files_kept: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PurgeReport:
    """A retention run. ``calls``: calls purged (dry run: that would be), the first ``listed`` of them
    in ``call_ids``; ``files``: recordings removed (dry run: stored recordings that would go);
    ``rows``: rows deleted or changed by table (dry run: rows that would be deleted); ``busy``: calls
    left for the next run because an ingest job is running on them right now."""

    older_than_days: int
    cutoff: datetime
    dry_run: bool
    calls: int = 0
    call_ids: list[str] = field(default_factory=list)
    files: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    busy: list[str] = field(default_factory=list)


def _add(rows: dict[str, int], key: str, n: int | None) -> None:
    if n:
        rows[key] = rows.get(key, 0) + int(n)


# ---------------------------------------------------------------------------------------- jobs

_RUNNING = (
    "SELECT id, args->>'content_hash' AS h FROM procrastinate_jobs "
    "WHERE status = 'doing' AND args->>'content_hash' = ANY(:h)"
)


def _delete_jobs(conn: Connection, hashes: list[str], rows: dict[str, int]) -> None:
    """The calls' ingest jobs (their arguments hold the labeled record and the audio path) and, by
    cascade, their events. Running jobs were refused or skipped before."""
    params = {"h": hashes}
    jobs = "SELECT id FROM procrastinate_jobs WHERE args->>'content_hash' = ANY(:h) AND status <> 'doing'"
    events = conn.execute(text(f"SELECT count(*) FROM procrastinate_events WHERE job_id IN ({jobs})"), params)
    _add(rows, "procrastinate_events", events.scalar())
    deleted = conn.execute(
        text("DELETE FROM procrastinate_jobs WHERE args->>'content_hash' = ANY(:h) AND status <> 'doing'"),
        params,
    )
    _add(rows, "procrastinate_jobs", deleted.rowcount)


def _delete_failures(conn: Connection, hashes: list[str], rows: dict[str, int]) -> None:
    deleted = conn.execute(text("DELETE FROM ingest_failures WHERE content_hash = ANY(:h)"), {"h": hashes})
    _add(rows, "ingest_failures", deleted.rowcount)


# -------------------------------------------------------------------------------------- topics


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


def _shorten(s: str, limit: int = 60) -> str:
    # How analytics.topics names a topic without key phrases: its first example, shortened.
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


def _call_texts(conn: Connection, call_ids: list[str]) -> list[str]:
    """The calls' stored reasons and turn texts (each turn, and the customer's turns joined), normalised."""
    out = [
        _norm(r)
        for r in conn.execute(
            text("SELECT reason FROM call_facts WHERE call_id = ANY(:ids) AND reason IS NOT NULL"),
            {"ids": call_ids},
        ).scalars()
    ]
    for turns, reference in conn.execute(
        text("SELECT turns, reference_turns FROM transcripts WHERE call_id = ANY(:ids)"), {"ids": call_ids}
    ):
        for ts in (turns or [], reference or []):
            out.extend(_norm(str(t.get("text") or "")) for t in ts)
            out.append(
                _norm(" ".join(str(t.get("text") or "") for t in ts if t.get("speaker") == "customer"))
            )
    return [t for t in out if t]


def _drop_topic_examples(conn: Connection, call_ids: list[str]) -> int:
    """Remove the calls' reasons from topics' examples (nothing else of a topic is recomputed); a
    topic named after a removed example is renamed after the next one. Returns examples removed."""
    topics = conn.execute(
        text("SELECT id, name, key_phrases, examples FROM topics WHERE jsonb_array_length(examples) > 0")
    ).all()
    if not topics:
        return 0
    said = _call_texts(conn, call_ids)
    removed = 0
    for t in topics:
        gone = [e for e in t.examples if (n := _norm(str(e))) and any(n in s for s in said)]
        if not gone:
            continue
        keep = [e for e in t.examples if e not in gone]
        name = t.name
        if not t.key_phrases and any(name == _shorten(str(e)) for e in gone):
            name = _shorten(str(keep[0])) if keep else f"topic {t.id}"
        conn.execute(
            text("UPDATE topics SET examples = CAST(:ex AS jsonb), name = :name WHERE id = :id"),
            {"ex": json.dumps(keep), "name": name, "id": t.id},
        )
        removed += len(gone)
    return removed


# --------------------------------------------------------------------------------------- files


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder)
    except OSError:
        return False


def _remove_files(rt: Runtime, calls: Sequence[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
    """Remove the files of these (content hash, audio path) calls under callscope's home: the stored
    recording and every file named by the content hash in the audio folder (the original copy, the
    redacted copy, half-written copies). Files still named by a stored call stay. Returns (removed,
    kept outside home)."""
    home, audio_dir = rt.settings.home_dir, rt.settings.audio_dir
    hashes = {h for h, _ in calls}
    candidates: set[str] = set()
    kept: list[str] = []
    if audio_dir.is_dir():
        with os.scandir(audio_dir) as entries:
            for entry in entries:
                # <hash><suffix>, <hash><suffix>.part, <hash>.redacted.flac, .<hash>.redacted.partial.flac
                if entry.name.lstrip(".").split(".", 1)[0] in hashes and entry.is_file():
                    candidates.add(entry.path)
    for _, path in calls:
        if not path:
            continue
        if _inside(Path(path), home):
            candidates.add(path)
        elif Path(path).exists():
            kept.append(path)
    if not candidates:
        return [], kept
    with rt.db.engine.connect() as conn:
        used = set(
            conn.execute(
                text("SELECT audio_path FROM calls WHERE audio_path = ANY(:p)"), {"p": sorted(candidates)}
            ).scalars()
        )
    removed = []
    for path in sorted(candidates - used):
        try:
            Path(path).unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed, kept


# -------------------------------------------------------------------------------------- delete


def _referencing_tables(conn: Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key onto ``calls.id``: the rows a call's deletion cascades to
    (read from the catalog, so a table added later is counted too)."""
    rows = conn.execute(
        text(
            "SELECT c.conrelid::regclass::text AS tbl, quote_ident(a.attname) AS col FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND c.confrelid = 'calls'::regclass AND cardinality(c.conkey) = 1 "
            "ORDER BY 1, 2"
        )
    )
    return [(r.tbl, r.col) for r in rows]


def delete_call(rt: Runtime, call_id: str) -> DeletedCall:
    """Delete a call and every trace of it (see the module docstring); returns what was removed.
    Raises NotFound for an unknown id, InvalidInput while an ingest job is running on the call."""
    from api import store_analytics
    from api.analytics_facts import remeasure_repeats

    rows: dict[str, int] = {}
    with rt.db.engine.begin() as conn:
        call = conn.execute(
            text("SELECT id, content_hash, audio_path, customer_id FROM calls WHERE id = :id FOR UPDATE"),
            {"id": call_id},
        ).one_or_none()
        if call is None:
            raise NotFound(f"no call with id '{call_id}'; `callscope calls list` shows the stored ones")
        running = conn.execute(text(_RUNNING), {"h": [call.content_hash]}).first()
        if running is not None:
            raise InvalidInput(
                f"call '{call_id}' is being ingested right now (job {running.id}); "
                "delete it once the job has finished"
            )
        ids, hashes = [call_id], [call.content_hash]
        # Before the call's facts and transcript go: they say which examples are its reason.
        _add(rows, "topics.examples", _drop_topic_examples(conn, ids))
        for table, column in _referencing_tables(conn):
            n = conn.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = ANY(:ids)"), {"ids": ids})
            _add(rows, table, n.scalar())
        unlinked = conn.execute(
            text("UPDATE acd_records SET call_id = NULL WHERE call_id = ANY(:ids)"), {"ids": ids}
        )
        _add(rows, "acd_records (unlinked)", unlinked.rowcount)
        sessions = conn.execute(
            text(
                "UPDATE qa_calibration_sessions SET call_ids = call_ids - CAST(:id AS text) "
                "WHERE call_ids @> CAST(:one AS jsonb)"
            ),
            {"id": call_id, "one": json.dumps([call_id])},
        )
        _add(rows, "qa_calibration_sessions (call removed)", sessions.rowcount)
        # Calls it was the repeat of: measured again below, without it.
        cleared = conn.execute(
            text(
                "UPDATE call_facts SET repeated = NULL, repeat_call_id = NULL "
                "WHERE repeat_call_id = ANY(:ids)"
            ),
            {"ids": ids},
        )
        _add(rows, "call_facts (repeat re-measured)", cleared.rowcount)
        _delete_failures(conn, hashes, rows)
        _delete_jobs(conn, hashes, rows)
        # Cascades to the tables counted above.
        conn.execute(text("DELETE FROM calls WHERE id = :id"), {"id": call_id})
        _add(rows, "calls", 1)
        if call.customer_id:
            remeasure_repeats(rt, conn, store_analytics.customer_records(conn, call.customer_id))
    removed, kept = _remove_files(rt, [(call.content_hash, call.audio_path)])
    return DeletedCall(call_id, rows, removed, kept)


# ------------------------------------------------------------------------------------ retention

_LABEL = re.compile(r"[a-z0-9][a-z0-9_.:@+\-]{0,63}")


def _scrub(value: Any, secrets: frozenset[str]) -> Any:
    """The same structure with numbers, booleans and label-like strings (``billing.double_charge``,
    ``no``, ``rev-1``) kept and free text gone: "" in a mapping, left out of a list. Any string
    equal to one of ``secrets`` (the customer id) goes too."""
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value if not isinstance(v, str) or _is_label(v, secrets)]
    if isinstance(value, str):
        return value if _is_label(value, secrets) else ""
    return value


def _is_label(s: str, secrets: frozenset[str]) -> bool:
    return _LABEL.fullmatch(s) is not None and s.lower() not in secrets


def _scrub_fields(
    d: dict[str, Any] | None, keep: tuple[str, ...], secrets: frozenset[str], *, labels: bool
) -> dict[str, Any]:
    d = d or {}
    out = {k: _scrub(v, secrets) for k, v in d.items()} if labels else {}
    out.update({k: d[k] for k in keep if k in d})
    return out


def _scrub_qa_result(result: dict[str, Any]) -> dict[str, Any]:
    # Answers, confidences and the checks' numbers stay: the effective score is recomputed from them.
    items = [{**i, "evidence": [], "rationale": ""} for i in result.get("items") or []]
    return {**result, "items": items}


def _purge_batch(
    conn: Connection, batch: Sequence[Any], rows: dict[str, int], opts: RetentionOptions
) -> None:
    ids = [r.id for r in batch]
    params: dict[str, Any] = {"ids": ids}
    _add(rows, "topics.examples", _drop_topic_examples(conn, ids))
    _add(
        rows,
        "transcripts",
        conn.execute(text("DELETE FROM transcripts WHERE call_id = ANY(:ids)"), params).rowcount,
    )

    calls, secrets_of = [], {}
    for r in conn.execute(
        text("SELECT id, customer_id, labels, evaluations, extra FROM calls WHERE id = ANY(:ids)"), params
    ):
        secrets = frozenset({r.customer_id.lower()} if r.customer_id else ())
        secrets_of[r.id] = secrets
        calls.append(
            {
                "id": r.id,
                "marker": PURGED,
                "labels": json.dumps(_scrub_fields(r.labels, opts.keep_fields, secrets, labels=True)),
                "evaluations": json.dumps(_scrub(r.evaluations or [], secrets)),
                "extra": json.dumps(_scrub_fields(r.extra, opts.keep_fields, secrets, labels=False)),
            }
        )
    conn.execute(
        text(
            "UPDATE calls SET customer_id = NULL, audio_path = NULL, source = :marker, preview = :marker, "
            "labels = CAST(:labels AS jsonb), evaluations = CAST(:evaluations AS jsonb), "
            "extra = CAST(:extra AS jsonb), purged_at = now() WHERE id = :id"
        ),
        calls,
    )
    _add(rows, "calls", len(calls))

    tags = [
        {"id": t.call_id, "details": json.dumps(_scrub(t.details, secrets_of.get(t.call_id, frozenset())))}
        for t in conn.execute(
            text("SELECT call_id, details FROM call_tags WHERE call_id = ANY(:ids)"), params
        )
    ]
    if tags:
        conn.execute(text("UPDATE call_tags SET details = CAST(:details AS jsonb) WHERE call_id = :id"), tags)
        _add(rows, "call_tags", len(tags))
    scores = [
        {"id": s.call_id, "card": s.scorecard, "result": json.dumps(_scrub_qa_result(s.result))}
        for s in conn.execute(
            text("SELECT call_id, scorecard, result FROM qa_scores WHERE call_id = ANY(:ids)"), params
        )
    ]
    if scores:
        conn.execute(
            text(
                "UPDATE qa_scores SET result = CAST(:result AS jsonb) "
                "WHERE call_id = :id AND scorecard = :card"
            ),
            scores,
        )
        _add(rows, "qa_scores", len(scores))
    for table, sets, changed in (
        ("qa_evaluations", "comment = ''", "comment <> ''"),
        ("qa_acknowledgements", "comment = ''", "comment <> ''"),
        ("qa_disputes", "comment = '', resolution = ''", "(comment <> '' OR resolution <> '')"),
    ):
        n = conn.execute(text(f"UPDATE {table} SET {sets} WHERE call_id = ANY(:ids) AND {changed}"), params)
        _add(rows, table, n.rowcount)
    facts = conn.execute(
        text(
            "UPDATE call_facts SET customer_id = NULL, reason = NULL, reason_vector = NULL, "
            "updated_at = now() WHERE call_id = ANY(:ids)"
        ),
        params,
    )
    _add(rows, "call_facts", facts.rowcount)
    hashes = [r.content_hash for r in batch]
    _delete_failures(conn, hashes, rows)
    _delete_jobs(conn, hashes, rows)


# Calls due for purging: not purged yet, older than the cutoff, and no ingest job running on them.
_DUE = (
    "FROM calls c WHERE c.purged_at IS NULL AND coalesce(c.started_at, c.created_at) < :cutoff "
    "AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.status = 'doing' "
    "AND j.args->>'content_hash' = c.content_hash)"
)
_BUSY = (
    "SELECT c.id FROM calls c WHERE c.purged_at IS NULL AND coalesce(c.started_at, c.created_at) < :cutoff "
    "AND EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.status = 'doing' "
    "AND j.args->>'content_hash' = c.content_hash) ORDER BY c.id"
)


def _dry_run(rt: Runtime, report: PurgeReport, opts: RetentionOptions) -> PurgeReport:
    p = {"cutoff": report.cutoff, "n": opts.listed}
    due = f"SELECT c.id, c.content_hash, c.audio_path {_DUE}"
    with rt.db.engine.connect() as conn:
        counts = conn.execute(
            text(
                f"WITH due AS ({due}) SELECT "
                "(SELECT count(*) FROM due) AS calls, "
                "(SELECT count(*) FROM due WHERE audio_path IS NOT NULL) AS files, "
                "(SELECT count(*) FROM transcripts t JOIN due ON due.id = t.call_id) AS transcripts, "
                "(SELECT count(*) FROM ingest_failures f JOIN due ON due.content_hash = f.content_hash) "
                "AS ingest_failures, "
                "(SELECT count(*) FROM procrastinate_jobs j "
                "JOIN due ON due.content_hash = j.args->>'content_hash') AS procrastinate_jobs"
            ),
            p,
        ).one()
        report.call_ids = list(conn.execute(text(f"SELECT c.id {_DUE} ORDER BY c.id LIMIT :n"), p).scalars())
        report.busy = list(conn.execute(text(_BUSY), p).scalars())
    report.calls, report.files = int(counts.calls), int(counts.files)
    for key in ("transcripts", "ingest_failures", "procrastinate_jobs"):
        _add(report.rows, key, getattr(counts, key))
    return report


def purge_older_than(
    rt: Runtime,
    days: int,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    options: RetentionOptions | None = None,
) -> PurgeReport:
    """Purge the calls that started more than ``days`` days before ``now`` (default: now) down to
    their de-identified facts (see the module docstring); ``dry_run`` changes nothing and reports
    what would go. Each batch of calls is one transaction; its files go after the commit."""
    opts = options or RetentionOptions()
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 36_500:
        raise InvalidInput(
            f"older_than_days must be a whole number of days, at least 1 and at most 36500; got {days!r}"
        )
    if opts.batch < 1:
        raise InvalidInput(f"RetentionOptions.batch must be at least 1, got {opts.batch}")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    report = PurgeReport(days, cutoff, dry_run)
    if dry_run:
        return _dry_run(rt, report, opts)
    while True:
        with rt.db.engine.begin() as conn:
            batch = conn.execute(
                text(
                    f"SELECT c.id, c.content_hash, c.audio_path {_DUE} "
                    "ORDER BY c.id LIMIT :n FOR UPDATE OF c SKIP LOCKED"
                ),
                {"cutoff": cutoff, "n": opts.batch},
            ).all()
            if not batch:
                break
            _purge_batch(conn, batch, report.rows, opts)
        removed, _ = _remove_files(rt, [(r.content_hash, r.audio_path) for r in batch])
        report.files += len(removed)
        report.calls += len(batch)
        report.call_ids.extend(r.id for r in batch[: max(0, opts.listed - len(report.call_ids))])
    with rt.db.engine.connect() as conn:
        report.busy = list(conn.execute(text(_BUSY), {"cutoff": cutoff}).scalars())
    return report


def apply_retention(rt: Runtime, *, dry_run: bool = False, older_than_days: int | None = None) -> PurgeReport:
    """Purge by ``older_than_days`` or, when not given, the ``retention_days`` setting."""
    days = older_than_days if older_than_days is not None else rt.settings.retention_days
    if days is None:
        raise InvalidInput(
            "no retention period: give the number of days (--older-than-days, older_than_days) "
            "or set CALLSCOPE_RETENTION_DAYS"
        )
    return purge_older_than(rt, days, dry_run=dry_run)
