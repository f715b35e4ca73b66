"""ABCD (Chen et al. 2021) agent guidelines → a procedure knowledge base (``RetrievalSet``).

Documents: one ``procedure`` per subflow of ``abcd/guidelines.json`` (55), id ``<flow>.<subflow>`` with
the ontology's ids (``product_defect.return_size``), title ``<Flow>: <Subflow>`` as the guidelines
name them, text = the flow's description, the subflow's instructions, its numbered actions with
their sub-steps and the required action sequence from ``kb.json`` (also in ``extra``). The
guidelines list subflows in the ontology's order, so names pair with ids by position.

Queries: only the 3 sample conversations of ``abcd_sample.json`` exist here (the full dialogue file
was not copied). Each gives one query: the customer's first turn of five words or more (shorter ones
are greetings such as "HEY HO!"), with the turns before it as context and the conversation's subflow
as the relevant document (a numbered variant such as ``timing_4`` counts as ``timing``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from common.formats import LineError
from evals.datasets._common import json_line, line_error, load_json, slug
from evals.types import KnowledgeDoc, RetrievalQuery, RetrievalSet

__all__ = ["load_abcd"]

_VARIANT = re.compile(r"_\d+$")
_MIN_QUERY_WORDS = 5


def _procedure_text(flow: dict[str, Any], subflow: dict[str, Any], required: list[str]) -> str:
    lines = [str(flow.get("description", "")).strip()]
    lines += [str(x).strip() for x in subflow.get("instructions", []) if str(x).strip()]
    for n, action in enumerate(subflow.get("actions", []), start=1):
        button = action.get("button")
        prefix = f"[{button}] " if button and button != "N/A" else ""
        lines.append(f"{n}. {prefix}{str(action.get('text', '')).strip()}")
        lines += [f"   - {str(s).strip()}" for s in action.get("subtext", []) if str(s).strip()]
    if required:
        lines.append("Required actions: " + ", ".join(required))
    return "\n".join(line for line in lines if line)


def _documents(folder: Path, skipped: list[LineError]) -> list[KnowledgeDoc]:
    path = folder / "guidelines.json"
    guidelines, text = load_json(path)
    ontology, _ = load_json(folder / "ontology.json")
    kb, _ = load_json(folder / "kb.json")
    subflow_ids: dict[str, list[str]] = (
        ontology.get("intents", {}).get("subflows", {}) if isinstance(ontology, dict) else {}
    )
    docs: list[KnowledgeDoc] = []
    for flow_name, flow in guidelines.items() if isinstance(guidelines, dict) else ():
        subflows = flow.get("subflows") if isinstance(flow, dict) else None
        if not isinstance(subflows, dict):
            skipped.append(
                line_error(
                    path, json_line(text, [flow_name]), "expected {description, subflows}", field=flow_name
                )
            )
            continue
        flow_id = slug(flow_name)
        ids = subflow_ids.get(flow_id, [])
        if len(ids) != len(subflows):
            reason = f"{len(subflows)} subflows but the ontology lists {len(ids)} for {flow_id}"
            reason += "; ids made from the names"
            skipped.append(line_error(path, json_line(text, [flow_name]), reason, field=flow_name))
            ids = [slug(name) for name in subflows]
        for sub_id, (sub_name, subflow) in zip(ids, subflows.items(), strict=True):
            if not isinstance(subflow, dict):
                where = [flow_name, "subflows", sub_name]
                skipped.append(
                    line_error(
                        path, json_line(text, where), "expected {actions, instructions}", field=sub_name
                    )
                )
                continue
            required = [str(a) for a in kb.get(sub_id, [])] if isinstance(kb, dict) else []
            docs.append(
                KnowledgeDoc(
                    id=f"{flow_id}.{sub_id}",
                    text=_procedure_text(flow, subflow, required),
                    title=f"{flow_name}: {sub_name}",
                    kind="procedure",
                    tags=[flow_id],
                    extra={"flow": flow_id, "subflow": sub_id, "required_actions": required},
                )
            )
    return docs


def _queries(path: Path, known: set[str], skipped: list[LineError]) -> list[RetrievalQuery]:
    convos, text = load_json(path)
    queries: list[RetrievalQuery] = []
    for i, convo in enumerate(convos if isinstance(convos, list) else []):
        scenario = convo.get("scenario", {}) if isinstance(convo, dict) else {}
        turns = convo.get("original", []) if isinstance(convo, dict) else []
        target = f"{scenario.get('flow')}.{_VARIANT.sub('', str(scenario.get('subflow')))}"
        pairs = [
            t for t in turns if isinstance(t, list) and len(t) == 2 and all(isinstance(x, str) for x in t)
        ]
        first = next(
            (
                k
                for k, (who, said) in enumerate(pairs)
                if who == "customer" and len(said.split()) >= _MIN_QUERY_WORDS
            ),
            None,
        )
        if target not in known or first is None:
            reason = f"unknown subflow {target}" if target not in known else "no customer turn to ask with"
            skipped.append(line_error(path, json_line(text, [i]), reason, field=f"[{i}]"))
            continue
        context = [f"{who}: {said.strip()}" for who, said in pairs[:first] if who in ("agent", "customer")]
        queries.append(
            RetrievalQuery(
                query=pairs[first][1].strip(),
                relevant=[target],
                context=context,
                id=f"abcd:{convo.get('convo_id', i)}",
            )
        )
    return queries


def load_abcd(data_root: Path) -> RetrievalSet:
    folder = Path(data_root) / "abcd"
    skipped: list[LineError] = []
    documents = _documents(folder, skipped)
    queries = _queries(folder / "abcd_sample.json", {d.id for d in documents}, skipped)
    return RetrievalSet(name="abcd", documents=documents, queries=queries, skipped=skipped)
