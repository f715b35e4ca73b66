"""DSTC10 Track 2, task 2 (Kim et al. 2021): FAQ knowledge and spoken, ASR-transcribed questions →
``RetrievalSet``.

Documents: every FAQ snippet in ``dstc10_track2/knowledge.json`` (domain → entity → docs) is one
``KnowledgeDoc`` of kind ``faq`` with id ``<domain>-<entity>-<doc>`` (``hotel-110053-14``; domain-wide
snippets, entity ``*``, get ``all``: ``taxi-all-1``), title ``<entity name>: <question>`` (the domain
name for domain-wide ones), text ``<question>\\n<answer>``, tag = domain; the raw ids are in ``extra``.

Queries: ``val/logs.json`` holds 263 partial conversations, each ending on the user turn that
``val/labels.json`` (same order) judges. The query is that last user turn's ``text`` (the ASR 1-best
of real speech, kept noisy on purpose); ``context`` is every earlier turn as ``customer: ...``
(speaker ``U``) or ``agent: ...`` (``S``). ``relevant`` is the labelled snippet's id when ``target``
is true, and empty when the turn does not seek knowledge (159 of 263): the right behaviour there is
to suggest nothing confident. ``val`` is the only split with inputs (``test/logs.json`` was not
copied), so the whole set is for measuring only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.formats import LineError
from evals.datasets._common import json_line, line_error, load_json
from evals.types import KnowledgeDoc, RetrievalQuery, RetrievalSet

__all__ = ["doc_id", "load_dstc10_track2"]

_SPEAKERS = {"U": "customer", "S": "agent"}


def doc_id(domain: str, entity_id: object, doc: object) -> str:
    entity = "all" if str(entity_id) == "*" else str(entity_id)
    return f"{domain}-{entity}-{doc}"


def _documents(path: Path, skipped: list[LineError]) -> list[KnowledgeDoc]:
    data, text = load_json(path)
    docs: list[KnowledgeDoc] = []
    if not isinstance(data, dict):
        skipped.append(line_error(path, 1, "expected {domain: {entity: {name, docs}}}"))
        return docs
    for domain, entities in data.items():
        for entity_id, entity in entities.items() if isinstance(entities, dict) else ():
            snippets = entity.get("docs") if isinstance(entity, dict) else None
            if not isinstance(snippets, dict):
                where = [domain, entity_id]
                skipped.append(
                    line_error(path, json_line(text, where), "expected {name, docs}", field=".".join(where))
                )
                continue
            name = entity.get("name") or domain.capitalize()
            for number, snippet in snippets.items():
                question = snippet.get("title") if isinstance(snippet, dict) else None
                answer = snippet.get("body") if isinstance(snippet, dict) else None
                if not (
                    isinstance(question, str) and isinstance(answer, str) and (question + answer).strip()
                ):
                    where = [domain, entity_id, "docs", number]
                    reason = "expected {title, body} strings"
                    skipped.append(line_error(path, json_line(text, where), reason, field=".".join(where)))
                    continue
                extra = {"domain": domain, "entity_id": entity_id, "doc_id": number}
                if entity.get("name"):
                    extra["entity_name"] = entity["name"]
                docs.append(
                    KnowledgeDoc(
                        id=doc_id(domain, entity_id, number),
                        text=f"{question.strip()}\n{answer.strip()}",
                        title=f"{name}: {question.strip()}",
                        kind="faq",
                        tags=[domain],
                        extra=extra,
                    )
                )
    return docs


_Problem = tuple[str, list[str | int], str]  # (file: "logs" or "labels", where in it, reason)


def _query(index: int, log: Any, label: Any) -> RetrievalQuery | _Problem:
    """The query for one log/label pair, or what is wrong with the pair."""
    if not isinstance(log, list) or not log or not all(isinstance(t, dict) for t in log):
        return "logs", [index], "expected a non-empty list of turns"
    last = log[-1]
    if last.get("speaker") != "U" or not isinstance(last.get("text"), str) or not last["text"].strip():
        return "logs", [index, len(log) - 1], "the last turn must be a user turn with text"
    context = [
        f"{_SPEAKERS.get(str(t.get('speaker')), 'unknown')}: {str(t.get('text') or '').strip()}"
        for t in log[:-1]
    ]
    if not isinstance(label, dict) or not isinstance(label.get("target"), bool):
        return "labels", [index], "expected a boolean 'target'"
    relevant: list[str] = []
    if label["target"]:
        for ref in label.get("knowledge") or []:
            if not isinstance(ref, dict) or not {"domain", "entity_id", "doc_id"} <= ref.keys():
                return "labels", [index, "knowledge"], "knowledge needs domain, entity_id and doc_id"
            relevant.append(doc_id(ref["domain"], ref["entity_id"], ref["doc_id"]))
    return RetrievalQuery(query=last["text"].strip(), relevant=relevant, context=context, id=f"val:{index}")


def load_dstc10_track2(data_root: Path) -> RetrievalSet:
    folder = Path(data_root) / "dstc10_track2"
    skipped: list[LineError] = []
    documents = _documents(folder / "knowledge.json", skipped)
    known = {d.id for d in documents}
    logs_path, labels_path = folder / "val" / "logs.json", folder / "val" / "labels.json"
    logs, logs_text = load_json(logs_path)
    labels, labels_text = load_json(labels_path)
    logs = logs if isinstance(logs, list) else []
    labels = labels if isinstance(labels, list) else []
    if len(logs) != len(labels):
        # The files pair up by position; past the shorter one nothing can be paired.
        longer, text = (logs_path, logs_text) if len(logs) > len(labels) else (labels_path, labels_text)
        cut = min(len(logs), len(labels))
        skipped.append(
            line_error(longer, json_line(text, [cut]), f"{abs(len(logs) - len(labels))} unpaired entries")
        )
    queries: list[RetrievalQuery] = []
    for index, (log, label) in enumerate(zip(logs, labels, strict=False)):
        result = _query(index, log, label)
        if not isinstance(result, RetrievalQuery):
            source, where, reason = result
            path, text = (labels_path, labels_text) if source == "labels" else (logs_path, logs_text)
            skipped.append(line_error(path, json_line(text, where), reason, field=f"[{index}]"))
            continue
        missing = [d for d in result.relevant if d not in known]
        if missing:
            reason = f"refers to unknown knowledge {', '.join(missing)}"
            skipped.append(
                line_error(labels_path, json_line(labels_text, [index]), reason, field=f"[{index}]")
            )
            continue
        queries.append(result)
    return RetrievalSet(name="dstc10-track2", documents=documents, queries=queries, skipped=skipped)
