"""Importing human QA evaluations from a file: all of it or nothing.

Two formats, told apart by the file name's suffix:

- **Labeled calls** (``.jsonl`` / ``.ndjson``, FORMATS §1): each line's ``evaluations`` list,
  ``{"evaluator": "rev-1", "scorecard": "standard-voice", "answers": {"greeting": "yes", ...}}``; an
  evaluation may carry ``comments``, ``{item_id: text}``. Lines without evaluations are skipped.
- **CSV** (``.csv``), one answer per row, with a header naming at least these columns::

      call_id,evaluator,scorecard,item_id,answer[,comment]
      c-0001,rev-1,standard-voice,greeting,yes,said the company name only
      c-0001,rev-1,standard-voice@1,verify_identity,na,

  ``scorecard`` is the scorecard id, optionally ``@version``; other columns are ignored.

The calls must be stored already and the scorecard must be the configured one; every answer must be
one of its item's answers. A bad row or line raises a FormatError naming the file, the line and the
field, and nothing from the file is stored. Answers are stored with ``source='import'``; an answer
identical to one already imported (same call, item, evaluator, answer and comment) is skipped, so
importing a file twice stores it once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import CallRow, QAEvaluationRow
from api.qa_service import check_answer, low_confidence_threshold
from api.runtime import Runtime
from api.store_qa import NewEvaluation, add_evaluations, get_score_row, refresh
from common.errors import FormatError, InvalidInput

if TYPE_CHECKING:
    from qa_models import Scorecard

__all__ = ["CSV_COLUMNS", "ImportReport", "import_evaluations", "import_evaluations_data"]

CSV_COLUMNS = ("call_id", "evaluator", "scorecard", "item_id", "answer")
_MAX_NAME = 200


@dataclass(slots=True)
class ImportReport:
    file: str
    stored: int
    skipped: int
    calls: int
    evaluators: list[str]


@dataclass(slots=True)
class _Row:
    line: int
    field_prefix: str  # where the call id sits, for an unknown-call error
    evaluation: NewEvaluation


def _scorecard(card: Scorecard, value: str, name: str, line: int, field: str) -> str:
    """The version an answer was given against (``id`` or ``id@version`` naming the configured card)."""
    card_id, _, version = value.strip().partition("@")
    if card_id != card.id:
        raise FormatError(
            name,
            f"unknown scorecard '{value}': answers can be imported for the configured scorecard "
            f"'{card.id}' (CALLSCOPE_SCORECARD)",
            line=line,
            field=field,
        )
    return version.strip() or str(card.version)


def _name(value: object, name: str, line: int, field: str) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise FormatError(name, "must not be empty", line=line, field=field)
    if len(text) > _MAX_NAME:
        raise FormatError(name, f"longer than {_MAX_NAME} characters", line=line, field=field)
    return text


def _answer(card: Scorecard, item_id: str, value: object, name: str, line: int, field: str) -> str:
    try:
        return check_answer(card, item_id, value)
    except InvalidInput as exc:
        raise FormatError(name, str(exc), line=line, field=field) from exc


def _from_csv(card: Scorecard, name: str, text: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise FormatError(
            name,
            f"the header lacks {', '.join(missing)}; it must name call_id,evaluator,scorecard,item_id,"
            "answer and may add comment",
            line=1,
            field=missing[0],
        )
    reader.fieldnames = header
    rows: list[_Row] = []
    for record in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in record.items() if k is not None):
            continue
        if None in record:
            raise FormatError(name, "the row has more values than the header has columns", line=line)
        call_id = _name(record.get("call_id"), name, line, "call_id")
        evaluator = _name(record.get("evaluator"), name, line, "evaluator")
        version = _scorecard(card, record.get("scorecard") or "", name, line, "scorecard")
        item_id = (record.get("item_id") or "").strip()
        if card.item(item_id) is None:
            raise FormatError(
                name,
                f"scorecard '{card.id}' has no item '{item_id}'",
                line=line,
                field="item_id",
            )
        answer = _answer(card, item_id, record.get("answer"), name, line, "answer")
        rows.append(
            _Row(
                line,
                "call_id",
                NewEvaluation(
                    call_id=call_id,
                    scorecard=card.id,
                    scorecard_version=version,
                    evaluator=evaluator,
                    item_id=item_id,
                    answer=answer,
                    comment=(record.get("comment") or "").strip(),
                    source="import",
                ),
            )
        )
    return rows


def _from_jsonl(card: Scorecard, name: str, data: bytes) -> list[_Row]:
    from common.formats import parse_labeled_call

    rows: list[_Row] = []
    for number, raw_bytes in enumerate(data.splitlines(), start=1):
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(name, f"not UTF-8 text ({exc.reason})", line=number) from exc
        if not raw.strip():
            continue
        call = parse_labeled_call(raw, path=name, line=number)
        for i, evaluation in enumerate(call.evaluations):
            where = f"evaluations.{i}"
            evaluator = _name(evaluation.evaluator, name, number, f"{where}.evaluator")
            version = _scorecard(card, evaluation.scorecard, name, number, f"{where}.scorecard")
            comments = (evaluation.model_extra or {}).get("comments") or {}
            if not isinstance(comments, dict):
                raise FormatError(
                    name, "comments must map item ids to text", line=number, field=f"{where}.comments"
                )
            for item_id, value in evaluation.answers.items():
                answer = _answer(card, item_id, value, name, number, f"{where}.answers.{item_id}")
                rows.append(
                    _Row(
                        number,
                        "call_id",
                        NewEvaluation(
                            call_id=call.call_id,
                            scorecard=card.id,
                            scorecard_version=version,
                            evaluator=evaluator,
                            item_id=item_id,
                            answer=answer,
                            comment=str(comments.get(item_id) or "").strip(),
                            source="import",
                        ),
                    )
                )
    return rows


def import_evaluations_data(rt: Runtime, name: str, data: bytes) -> ImportReport:
    """Import the evaluations in a file's contents; ``name`` (its file name) picks the format and
    names it in errors. All or nothing (see the module's docstring)."""
    card = rt.scorecard()
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormatError(name, f"not UTF-8 text ({exc.reason})") from exc
        rows = _from_csv(card, name, text)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _from_jsonl(card, name, data)
    else:
        raise InvalidInput(f"{name}: import a labeled-call .jsonl file or a .csv file of answers")
    if not rows:
        raise FormatError(name, "the file holds no evaluations")
    with Session(rt.db.engine) as s:
        wanted = {r.evaluation.call_id for r in rows}
        known = set(s.scalars(select(CallRow.id).where(CallRow.id.in_(wanted))))
        for r in rows:
            if r.evaluation.call_id not in known:
                raise FormatError(
                    name,
                    f"no stored call '{r.evaluation.call_id}'; ingest the calls before their evaluations",
                    line=r.line,
                    field=r.field_prefix,
                )
        stored_keys = set(
            s.execute(
                select(
                    QAEvaluationRow.call_id,
                    QAEvaluationRow.item_id,
                    QAEvaluationRow.evaluator,
                    QAEvaluationRow.answer,
                    QAEvaluationRow.comment,
                ).where(
                    QAEvaluationRow.source == "import",
                    QAEvaluationRow.scorecard == card.id,
                    QAEvaluationRow.call_id.in_(wanted),
                )
            ).tuples()
        )
        new: list[NewEvaluation] = []
        for r in rows:
            e = r.evaluation
            key = (e.call_id, e.item_id, e.evaluator, e.answer, e.comment)
            if key not in stored_keys:
                stored_keys.add(key)
                new.append(e)
        calls = sorted({e.call_id for e in new})
        for call_id in calls:
            get_score_row(s, call_id, card.id, lock=True)
        add_evaluations(s, new)
        threshold = low_confidence_threshold(rt)
        for call_id in calls:
            refresh(s, card, call_id, low_confidence=threshold)
        s.commit()
    return ImportReport(
        file=name,
        stored=len(new),
        skipped=len(rows) - len(new),
        calls=len(wanted),
        evaluators=sorted({r.evaluation.evaluator for r in rows}),
    )


def import_evaluations(rt: Runtime, path: str | Path) -> ImportReport:
    """Import the evaluations in a labeled-call JSONL or an answers CSV file (all or nothing)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise FormatError(str(p), f"cannot read file: {exc.strerror}") from exc
    return import_evaluations_data(rt, str(p), data)
