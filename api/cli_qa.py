"""``callscope qa …``: score calls against the scorecard, report agreement with people, calibrate."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.console import cli_runtime, console, handle_errors
from common.errors import InvalidInput

__all__ = ["qa_app"]

qa_app = typer.Typer(
    help="Automatic QA: score calls, compare with QA evaluators, calibrate.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
ScorecardOption = Annotated[
    Path | None, typer.Option("--scorecard", help="A scorecard YAML (default: the configured one).")
]


def _print_result(result: dict[str, Any]) -> None:
    percent = result.get("percent")
    verdict = {True: "[green]pass[/]", False: "[red]fail[/]", None: "–"}[result.get("passed")]
    failed = f"  auto-fail: {', '.join(result['auto_failed'])}" if result.get("auto_failed") else ""
    score = "–" if percent is None else f"{percent:.1f}%"
    console.print(
        f"[bold]{result['call_id']}[/]  {score}  {verdict}{failed}  [dim]{result.get('model', '')}[/]"
    )
    table = Table(show_edge=False, pad_edge=False)
    for col in ("item", "answer", "conf", "why", "evidence"):
        table.add_column(col, overflow="fold")
    for item in result["items"]:
        evidence = "; ".join(f"t{e['turn']} “{e['text'][:40]}”" for e in item["evidence"][:2])
        source = item.get("provenance") or {}
        edited = f" (edited by {source['evaluator']})" if source.get("source") == "edited" else ""
        table.add_row(
            item["item_id"],
            f"{item['answer']}{edited}",
            f"{item['confidence']:.2f}",
            item["rationale"],
            evidence,
        )
    console.print(table)


@qa_app.command("score")
@handle_errors
def score(
    target: Annotated[
        str, typer.Argument(help="A stored call id, or a labeled-call JSONL file (not stored).")
    ],
    scorecard: ScorecardOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score calls against the scorecard: each item's answer with confidence, evidence and rationale."""
    from api import qa_service, store
    from api.tagging import stored_tag_input
    from common.formats import load_labeled_calls
    from qa_models import TagInput, load_scorecard

    rt = cli_runtime()
    card = load_scorecard(scorecard) if scorecard else rt.scorecard()
    path = Path(target)
    if path.is_file():
        calls = [TagInput.from_labeled_call(c) for c in load_labeled_calls(path)]
        results = [r.to_dict() for r in rt.qa_scorer().score_many(calls, card)]
    elif scorecard is not None:  # another scorecard than the configured one: scored, not stored
        results = [rt.qa_scorer().score(stored_tag_input(store.get_call(rt.db, target)), card).to_dict()]
    else:
        results = [r.to_dict() for r in qa_service.score_calls(rt, [target])]
    if as_json:
        console.print_json(json.dumps(results if len(results) > 1 else results[0]))
        return
    for r in results:
        _print_result(r)


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


def _print_report(report: Any) -> None:
    console.print(f"{report.calls} calls, {report.human_answers} human answers")
    table = Table(title="agreement per item", show_edge=False)
    for col in ("item", "calls", "model↔human", "κ model", "human↔human", "κ human", "α human"):
        table.add_column(col, justify="left" if col == "item" else "right")
    for row in report.items:
        table.add_row(
            row.item_id or "[bold]all items[/]",
            str(row.n_calls),
            _fmt(row.model_agreement),
            _fmt(row.model_kappa),
            _fmt(row.human_agreement),
            _fmt(row.human_kappa),
            _fmt(row.alpha),
        )
    console.print(table)
    if report.evaluators:
        bias = Table(title="evaluators against the panel", show_edge=False)
        for col in ("evaluator", "answers", "agreement", "strictness", "p", "label", "most different on"):
            bias.add_column(col)
        for e in report.evaluators:
            items = ", ".join(
                f"{i.item_id} {i.strictness:+.2f}" for i in e.items[:3] if i.strictness is not None
            )
            name = f"{e.rater} (model)" if e.is_model else e.rater
            bias.add_row(
                name,
                str(e.n_answers),
                _fmt(e.agreement),
                _fmt(e.strictness),
                _fmt(e.p_value),
                e.label or "–",
                items,
            )
        console.print(bias)
    rising = [t for t in report.trends if t.rising]
    if rising:
        console.print(
            "[bold]model↔human disagreement rising:[/] "
            + ", ".join(f"{t.item_id} ({_fmt(t.earlier_rate)} → {_fmt(t.last_rate)})" for t in rising)
        )
    if report.calibration is not None:
        c = report.calibration
        cal = Table(
            title=f"refit on {c.fit_calls} calls, measured on {c.held_out_calls} held-out calls",
            show_edge=False,
        )
        for col in ("item", "fitted on", "held out", "before", "after", "refit kept"):
            cal.add_column(col)
        for i in c.items:
            cal.add_row(
                i.item_id,
                str(i.fitted_on),
                str(i.held_out),
                _fmt(i.before),
                _fmt(i.after),
                "yes" if i.kept else "no",
            )
        cal.add_row("[bold]all items[/]", "", "", _fmt(c.before), _fmt(c.after), "")
        console.print(cal)
    for note in report.notes:
        console.print(f"[dim]{note}[/]")


def _date(value: str | None, what: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} {value!r} is not a date; use YYYY-MM-DD") from None


@qa_app.command("report")
@handle_errors
def report(
    since: Annotated[str | None, typer.Option(help="First call date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last call date (YYYY-MM-DD).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Agreement of the model with QA evaluators and of evaluators with each other, per item;
    each evaluator's bias against the panel; items whose disagreement is rising."""
    from api.qa_agreement import agreement_report, stored_ratings

    rt = cli_runtime()
    ratings, _ = stored_ratings(rt, since=_date(since, "--since"), until=_date(until, "--until"))
    result = agreement_report(rt, ratings, rt.scorecard())
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        _print_report(result)


@qa_app.command("calibrate")
@handle_errors
def calibrate(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Labeled calls with evaluations (JSONL); default: the stored ones."),
    ] = None,
    train: Annotated[
        bool, typer.Option("--train", help="Refit the item scorers on the human answers.")
    ] = False,
    holdout: Annotated[float, typer.Option(help="Share of calls held out from the refit.")] = 0.3,
    out: Annotated[Path | None, typer.Option(help="Where to save the refits.")] = None,
    scorecard: ScorecardOption = None,
    as_json: JsonOption = False,
) -> None:
    """Compare the model with people; with --train refit on their answers and report agreement
    before and after on calls held out from the fit."""
    from api.qa_agreement import calibrate as run_calibration
    from api.qa_agreement import file_ratings, stored_ratings
    from common.formats import load_labeled_calls
    from qa_models import load_scorecard

    rt = cli_runtime()
    card = load_scorecard(scorecard) if scorecard else rt.scorecard()
    if data is not None:
        ratings, results = file_ratings(rt, load_labeled_calls(data), card)
        source = str(data)
    else:
        if scorecard is not None:
            raise InvalidInput("--scorecard goes with --data; stored calls use the configured scorecard")
        ratings, results = stored_ratings(rt)
        source = "stored evaluations"
    result = run_calibration(
        rt, ratings, results, card, train=train, holdout=holdout, out=out, trained_on=source
    )
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
    else:
        _print_report(result)


@qa_app.command("import")
@handle_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="Labeled calls with `evaluations` (JSONL), or a CSV with columns "
            "call_id,evaluator,scorecard,item_id,answer."
        ),
    ],
) -> None:
    """Import human QA evaluations for stored calls (all or nothing; a re-import skips what is stored)."""
    from api.qa_import import import_evaluations

    report = import_evaluations(cli_runtime(), file)
    console.print(
        f"{report.stored} answers stored ({report.skipped} already there) for {report.calls} calls "
        f"by {', '.join(report.evaluators) or 'nobody'}",
        highlight=False,
    )


@qa_app.command("sample")
@handle_errors
def sample(
    week: Annotated[
        list[str] | None, typer.Option("--week", help="ISO week, e.g. 2026-W47 (repeatable); default: all.")
    ] = None,
    per_agent: Annotated[
        int | None, typer.Option(help="Calls per agent per week (default: the setting).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Pick calls for human review: risky ones first (auto-fail, low confidence, negative sentiment),
    then random, up to a number per agent per week; running it again picks nothing more."""
    from api.qa_queue import sample_reviews

    report = sample_reviews(cli_runtime(), weeks=week or None, per_agent=per_agent)
    if as_json:
        console.print_json(
            json.dumps(
                [
                    {"call_id": p.call_id, "agent": p.agent, "week": p.week, "reason": p.reason}
                    for p in report.picked
                ]
            )
        )
        return
    console.print(f"{len(report.picked)} calls picked ({report.per_agent_week} per agent per week)")
    for p in report.picked:
        console.print(
            f"  {p.week}  {p.agent or '(no agent)'}  {p.call_id}  [dim]{p.reason}[/]", highlight=False
        )
