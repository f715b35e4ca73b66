"""``callscope kb``: knowledge bases for live assist: add, list, search, calibrate, remove."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.console import cli_runtime, console, err, handle_errors

__all__ = ["index_folder", "kb_app"]

kb_app = typer.Typer(help="Knowledge bases for live agent assist.", no_args_is_help=True)

KbOption = Annotated[str | None, typer.Option("--kb", help="Knowledge base name (default: CALLSCOPE_KB).")]


def index_folder(rt: Any, folder: Path, kb: str) -> Any:
    """Index ``folder`` into ``kb`` with a progress bar; print what changed and what was wrong."""
    with Progress(
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("embed", total=None)
        report = rt.knowledge_index().add_folder(
            folder, kb, progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
    err.print(
        f"knowledge base [bold]{kb}[/]: {len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged "
        f"({report.chunks_embedded} chunks embedded in {report.embed_seconds:.1f} s)"
    )
    for e in report.errors:
        err.print(f"[red]error[/] {e.message}")
    for s in report.skipped_files:
        err.print(f"[yellow]skipped[/] {s} (not a knowledge format)")
    return report


@kb_app.command("add")
@handle_errors
def kb_add(
    folder: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Knowledge folder (FORMATS §3).")
    ],
    kb: KbOption = None,
) -> None:
    """Index a folder; re-running it re-embeds only what changed and removes what is gone."""
    rt = cli_runtime()
    report = index_folder(rt, folder, kb or rt.settings.kb)
    if report.errors:
        raise typer.Exit(1)


@kb_app.command("list")
@handle_errors
def kb_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Knowledge bases with their document counts by kind."""
    bases = cli_runtime().knowledge_index().bases()
    if as_json:
        # The API's shape (GET /api/kb), so scripts can use either.
        console.print_json(json.dumps({"knowledge_bases": [asdict(b) for b in bases]}, default=str))
        return
    table = Table(title="Knowledge bases")
    for col in ("name", "documents", "chunks", "by kind", "embedder", "threshold", "updated"):
        table.add_column(col)
    for b in bases:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(b.kinds.items()))
        threshold = "default" if b.confidence_threshold is None else f"{b.confidence_threshold:.3f}"
        updated = b.updated_at.strftime("%Y-%m-%d %H:%M") if b.updated_at else ""
        table.add_row(b.name, str(b.documents), str(b.chunks), kinds, b.embedder, threshold, updated)
    console.print(table)


@kb_app.command("search")
@handle_errors
def kb_search(
    text: Annotated[str, typer.Argument(help="What the customer said.")],
    kb: KbOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date promotions must be valid on (YYYY-MM-DD).")
    ] = None,
    context: Annotated[
        list[str] | None, typer.Option("--context", help="An earlier turn, e.g. 'agent: ...' (repeatable).")
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Documents to return.")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, vector or bm25.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Search a knowledge base the way live assist does (the query is formed with its context)."""
    from api import kb_service
    from common.errors import InvalidInput

    if mode not in ("hybrid", "vector", "bm25"):
        raise InvalidInput(f"--mode {mode!r}: use hybrid, vector or bm25")
    rt = cli_runtime()
    name = kb or rt.settings.kb
    day = kb_service.parse_as_of(as_of)
    result, used = kb_service.search_kb(rt, name, text, context=context or [], as_of=day, k=k, mode=mode)  # type: ignore[arg-type]
    hits = [kb_service.hit_dict(h, result.threshold) for h in result.hits]
    if as_json:
        payload = {"query": result.query, "context_used": used, "threshold": result.threshold, "hits": hits}
        console.print_json(json.dumps(payload))
        return
    table = Table(title=f"{name}: {result.query}", caption=f"{result.embed_ms + result.search_ms:.0f} ms")
    for col in ("#", "document", "kind", "confidence", "best sentence", "valid"):
        table.add_column(col, overflow="fold")
    for i, h in enumerate(hits, 1):
        mark = "[green]●[/]" if h["confident"] else "[dim]○[/]"
        valid = f"{h['valid_from'] or ''}..{h['valid_to'] or ''}" if h["valid_from"] or h["valid_to"] else ""
        table.add_row(
            str(i),
            f"{h['doc_id']}\n[dim]{h['title']}[/]",
            h["kind"],
            f"{mark} {h['confidence']:.2f}",
            h["sentence"],
            valid,
        )
    console.print(table)
    if not any(h["confident"] for h in hits):
        err.print("nothing confident to suggest for this question")


@kb_app.command("remove")
@handle_errors
def kb_remove(name: Annotated[str, typer.Argument(help="Knowledge base to delete.")]) -> None:
    """Delete a knowledge base and its index."""
    cli_runtime().knowledge_index().remove(name)
    err.print(f"removed knowledge base {name}")


@kb_app.command("calibrate")
@handle_errors
def kb_calibrate(
    queries: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Queries with answers (FORMATS §4).")
    ],
    kb: KbOption = None,
    write_default: Annotated[
        bool, typer.Option("--write-default", help="Save as the shipped default calibration (developers).")
    ] = False,
) -> None:
    """Learn when a hit is confident enough to show, from queries with known answers (never a test set).

    The threshold is saved with the knowledge base; --write-default also refits the shipped model."""
    from api import kb_service
    from assist import form_query
    from common.errors import InvalidInput
    from evals.datasets.readers import read_queries_jsonl
    from knowledge import DEFAULT_CALIBRATION, CalibrationQuery, calibrate

    read, problems = read_queries_jsonl(queries)
    for p in problems:
        err.print(f"[red]error[/] {p.message}")
    if problems:
        raise InvalidInput(f"{queries}: fix the lines above first")
    formed = [
        CalibrationQuery(
            form_query(q.query, q.context).text, tuple(q.relevant), kb_service.parse_as_of(q.as_of)
        )
        for q in read
    ]
    rt = cli_runtime()
    name = kb or rt.settings.kb
    outcome = calibrate(
        rt.searcher(), name, formed, refit=write_default, fitted_on=f"{queries.name} on {name}"
    )
    model = outcome.model
    if write_default:
        model.save(DEFAULT_CALIBRATION)
        rt.knowledge_index().set_threshold(name, None)
        err.print(f"wrote {DEFAULT_CALIBRATION}")
    else:  # the shipped weights, this base's own threshold
        rt.knowledge_index().set_threshold(name, model.threshold)
    err.print(
        f"{outcome.queries} queries ({outcome.positives} answered by the top hit): "
        f"threshold {model.threshold:.3f}, shown when right {outcome.true_positive_rate:.1%}, "
        f"silent when wrong or unanswerable {outcome.true_negative_rate:.1%}"
    )
