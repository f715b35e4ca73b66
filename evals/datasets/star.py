"""STAR (Mosig et al. 2020): 6,652 Wizard-of-Oz task dialogues → ``LabeledCalls`` (channel ``chat``).

``star/dialogues.tar.gz`` is read in place with ``tarfile`` (nothing is extracted to disk); each
``dialogues/<id>.json`` becomes one call ``star-<id>``.

Turns: a ``User`` ``utter`` is a customer turn; a ``Wizard`` ``utter`` (free text) or
``pick_suggestion`` (a template response the wizard sent) is an agent turn, with the template's
dialogue act kept as ``act``. ``start`` is seconds since the dialogue's first event; there is no end.
Left out, because the other party never saw them: ``UserGuide`` ``instruct`` (the scripted
instructions the crowd-worker user received), ``Wizard`` ``request_suggestions`` (text typed into the
suggestion search box), ``query`` and ``KnowledgeBase`` ``return_item`` (API calls and their results),
``select_task``/``select_primary``/``select_secondary`` (interface clicks) and ``User`` ``complete``.

Labels:
- ``contact_type``: the task, e.g. ``bank_balance``. A single-task scenario has one; in a multi-task
  scenario it is the first task the wizard selected (else the first task it queried), and ``tasks``
  lists every task selected, in order. Absent when none can be told (early disconnects).
- ``domains``, ``multi_task``, ``happy_path`` (the scenario's ``Happy`` flag: no scripted twists),
  ``completion`` (``CompletionLevel``) and ``completed`` (it is ``Complete``).
- From the user's post-dialogue questionnaire: ``agent_calm_helpful`` ("Did the assistant stay calm
  and helpful throughout the dialogue?"; the wording names the assistant, robot or ship's computer)
  and ``resolved`` (the task-success question, e.g. "Did the AI Assistant book your flight?"; asked
  only in single-task scenarios).
- From the wizard's questionnaire: ``user_annoyed`` ("Did the user become aggressive or annoyed?"),
  ``user_changed_mind``, ``user_confused`` and ``agent_unsure`` ("Were you unsure what to do?").
  A label is absent when its question was not asked (about 830 disconnected dialogues have none).

Both questionnaires are also kept whole as ``evaluations`` (answers ``yes``/``no``) with scorecards
``star-user-questionnaire`` and ``star-wizard-questionnaire``, evaluator ``user:<worker>`` /
``wizard:<worker>`` and the question texts under ``questions``; the user's "Did you enjoy this task?"
(``enjoyed_task``) and the weather scenario's "Did the AI Assistant say something about rain?"
(``mentioned_rain``) live only there, as they judge neither the agent nor the outcome.

Dialogues without a single turn (447, nearly all early disconnects) are left out unless
``keep_empty``: there is nothing in them to classify or score.

Split: dialogue ids ending in 0 or 1 are ``test_ids`` (measuring only).
"""

from __future__ import annotations

import json
import re
import tarfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.errors import FormatError
from common.formats import LabeledCall, LineError
from evals.datasets._common import json_line, line_error, slug
from evals.types import LabeledCalls

__all__ = ["is_test_dialogue", "load_star"]

_TURN_ACTIONS = {
    ("User", "utter"): "customer",
    ("Wizard", "utter"): "agent",
    ("Wizard", "pick_suggestion"): "agent",
}

# (phrase in the question, answer key, label name or None when it stays in the evaluation only)
_USER_QUESTIONS = (
    ("calm and helpful", "calm_helpful", "agent_calm_helpful"),
    ("enjoy this task", "enjoyed_task", None),
    ("something about rain", "mentioned_rain", None),
)
_TASK_SUCCESS: tuple[str, str | None] = ("task_success", "resolved")
_WIZARD_QUESTIONS = (
    ("aggressive or annoyed", "user_annoyed", "user_annoyed"),
    ("change his/her mind", "user_changed_mind", "user_changed_mind"),
    ("seem confused", "user_confused", "user_confused"),
    ("unsure about what to do", "agent_unsure", "agent_unsure"),
)


class _Bad(Exception):
    def __init__(self, where: list[str | int], reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason


def is_test_dialogue(dialogue_id: str | int) -> bool:
    """STAR has no official split; ids ending in 0 or 1 (a fifth of them) are held out for measuring."""
    return str(dialogue_id)[-1:] in ("0", "1")


def _question_key(question: str, who: str) -> tuple[str, str | None]:
    """(answer key, label name or None) for a questionnaire question, matched on its key phrase."""
    lowered = question.lower()
    for phrase, key, label in _USER_QUESTIONS if who == "user" else _WIZARD_QUESTIONS:
        if phrase in lowered:
            return key, label
    # Every other user question asks whether the task got done; other wizard questions keep their wording.
    return _TASK_SUCCESS if who == "user" else (slug(question), None)


def _questionnaire(
    items: Any, field: str, who: str, worker: str, labels: dict[str, Any]
) -> dict[str, Any] | None:
    if not isinstance(items, list):
        raise _Bad([field], "expected a list of question/answer pairs")
    answers: dict[str, str] = {}
    questions: dict[str, str] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("Question"), str) or "Answer" not in item:
            raise _Bad([field, i], "expected {Question, Answer}")
        key, label = _question_key(item["Question"], who)
        answer = item["Answer"]
        answers[key] = ("yes" if answer else "no") if isinstance(answer, bool) else str(answer)
        questions[key] = item["Question"]
        if label is not None and isinstance(answer, bool):
            labels[label] = answer
    if not answers:
        return None
    return {
        "evaluator": f"{who}:{worker}",
        "scorecard": f"star-{who}-questionnaire",
        "answers": answers,
        "questions": questions,
    }


def _contact_type(scenario: dict[str, Any], events: list[dict[str, Any]]) -> tuple[str | None, list[str]]:
    capabilities: list[str] = [
        c["Task"]
        for c in scenario.get("WizardCapabilities", [])
        if isinstance(c, dict) and isinstance(c.get("Task"), str)
    ]
    if len(capabilities) == 1:
        return capabilities[0], capabilities
    selected: list[str] = []
    for action in ("select_task", "query"):
        field = "Task" if action == "select_task" else "APIName"
        for event in events:
            task = event.get(field)
            if event.get("Action") == action and isinstance(task, str) and task not in selected:
                selected.append(task)
        if selected:
            break
    return (selected[0] if selected else None), selected


def dialogue_to_call(data: Any) -> LabeledCall:
    if not isinstance(data, dict):
        raise _Bad([], "expected a JSON object")
    dialogue_id = data.get("DialogueID")
    if not isinstance(dialogue_id, int | str) or isinstance(dialogue_id, bool) or not str(dialogue_id):
        raise _Bad(["DialogueID"], "missing dialogue id")
    events = data.get("Events")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise _Bad(["Events"], "expected a list of event objects")
    scenario = data.get("Scenario")
    if not isinstance(scenario, dict):
        raise _Bad(["Scenario"], "expected an object")
    times = [e["UnixTime"] for e in events if isinstance(e.get("UnixTime"), int | float)]
    t0 = min(times) if times else None
    turns: list[dict[str, Any]] = []
    for event in events:
        speaker = _TURN_ACTIONS.get((str(event.get("Agent")), str(event.get("Action"))))
        text = event.get("Text")
        if speaker is None or not isinstance(text, str) or not text.strip():
            continue
        turn: dict[str, Any] = {"speaker": speaker, "text": text.strip()}
        stamp = event.get("UnixTime")
        if t0 is not None and isinstance(stamp, int | float):
            turn["start"] = float(stamp - t0)
        if isinstance(event.get("ActionLabel"), str):
            turn["act"] = event["ActionLabel"]
        turns.append(turn)
    contact_type, tasks = _contact_type(scenario, events)
    completion = data.get("CompletionLevel")
    labels: dict[str, Any] = {
        "tasks": tasks,
        "domains": list(scenario.get("Domains", [])),
        "multi_task": bool(scenario.get("MultiTask")),
        "happy_path": bool(scenario.get("Happy")),
        "completion": completion,
        "completed": completion == "Complete",
    }
    if contact_type is not None:
        labels["contact_type"] = contact_type
    user, wizard = str(data.get("AnonymizedUserWorkerID", "")), str(data.get("AnonymizedWizardWorkerID", ""))
    evaluations = [
        ev
        for ev in (
            _questionnaire(data.get("UserQuestionnaire", []), "UserQuestionnaire", "user", user, labels),
            _questionnaire(
                data.get("WizardQuestionnaire", []), "WizardQuestionnaire", "wizard", wizard, labels
            ),
        )
        if ev is not None
    ]
    record = {
        "call_id": f"star-{dialogue_id}",
        "channel": "chat",
        "started_at": datetime.fromtimestamp(t0, UTC) if t0 is not None else None,
        "agent_id": wizard or None,
        "customer_id": user or None,
        "turns": turns,
        "labels": labels,
        "evaluations": evaluations,
    }
    try:
        return LabeledCall.model_validate(record)
    except ValidationError as exc:
        raise _Bad([], f"does not make a valid call ({exc.errors()[0].get('msg')})") from exc


_ID_NUMBER = re.compile(r"\d+")


def _sort_key(call: LabeledCall) -> tuple[int, str]:
    number = _ID_NUMBER.search(call.call_id)
    return (int(number.group()) if number else -1, call.call_id)


def _member_call(where: str, raw: bytes, skipped: list[LineError]) -> LabeledCall | None:
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        skipped.append(line_error(where, 1, f"not UTF-8 text ({exc.reason})"))
        return None
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON ({exc.msg} at column {exc.colno})"
        skipped.append(line_error(where, exc.lineno, reason))
        return None
    try:
        return dialogue_to_call(data)
    except _Bad as exc:
        field = ".".join(str(p) for p in exc.where) or None
        skipped.append(line_error(where, json_line(text, exc.where), exc.reason, field=field))
        return None


def load_star(data_root: Path, *, keep_empty: bool = False) -> LabeledCalls:
    """All dialogues as calls; ``keep_empty`` keeps the ~450 in which nobody said anything."""
    tar_path = Path(data_root) / "star" / "dialogues.tar.gz"
    calls: list[LabeledCall] = []
    skipped: list[LineError] = []
    try:
        with tarfile.open(tar_path, "r:gz") as archive:
            for member in archive:  # streams the archive once; each member is read in memory
                if member.isfile() and member.name.endswith(".json"):
                    handle = archive.extractfile(member)
                    raw = handle.read() if handle is not None else b""
                    call = _member_call(f"{tar_path}[{member.name}]", raw, skipped)
                    if call is not None and (call.turns or keep_empty):
                        calls.append(call)
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise FormatError(str(tar_path), f"cannot read the archive ({exc})") from exc
    calls.sort(key=_sort_key)
    test_ids = frozenset(c.call_id for c in calls if is_test_dialogue(c.call_id))
    return LabeledCalls(
        name="star", calls=calls, base_dir=tar_path.parent, test_ids=test_ids, skipped=skipped
    )
