"""``callscope eval``: run eval tasks, compare runs, list and export the built-in datasets.

Thin over ``evals``: each command validates its options, calls one service function and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from api.console import console, err, handle_errors

if TYPE_CHECKING:
    from evals import EvalRun

__all__ = ["eval_app"]

eval_app = typer.Typer(
    help="Measure callscope on labeled data: eval runs, comparisons, datasets.", no_args_is_help=True
)

README = Path(__file__).resolve().parent.parent / "evals" / "README.md"


def _fmt(value: Any) -> str:
    from evals.report import format_value

    return format_value(value)


def _print_run(run: EvalRun, folder: Path | None) -> None:
    systems = [("model", run.model), *[("baseline", b) for b in run.baselines.values()]]
    keys: list[str] = []
    for _, s in systems:
        keys += [k for k in s.metrics if k not in keys]
    table = Table(title=f"{run.task} on {run.dataset}: {run.n} items, {len(run.skipped)} skipped")
    table.add_column("system", style="cyan")
    table.add_column("status")
    for k in keys:
        table.add_column(k, justify="right")
    for role, s in systems:
        if s.available:
            table.add_row(f"{s.name} ({role})", s.status, *[_fmt(s.metrics.get(k)) for k in keys])
        else:
            table.add_row(f"{s.name} ({role})", f"[yellow]{s.status}[/]: {s.reason}", *["–" for _ in keys])
    console.print(table)
    if run.data_metrics:
        people = Table(title="people vs people (the same calls)")
        for k in run.data_metrics:
            people.add_column(k, justify="right")
        people.add_row(*[_fmt(v) for v in run.data_metrics.values()])
        console.print(people)
    if run.task == "asr" and run.model.available and run.model.per_item:
        files = Table(title="WER per file")
        for col in ("file", "WER", "words", "audio s", "RTF"):
            files.add_column(col, justify="left" if col == "file" else "right")
        for call_id, item in run.model.per_item.items():
            files.add_row(
                call_id,
                _fmt(item.get("wer")),
                str(item.get("reference_words")),
                _fmt(item.get("duration_s")),
                _fmt(item.get("rtf")),
            )
        console.print(files)
    for note in run.notes:
        err.print(f"[dim]note:[/] {note}", highlight=False, soft_wrap=True)
    for line in run.skipped[:20]:
        err.print(f"[yellow]skipped[/] {line.message}", highlight=False, soft_wrap=True)
    if len(run.skipped) > 20:
        err.print(f"… and {len(run.skipped) - 20} more skipped (see results.json)")
    if run.skipped:
        err.print(f"skipped {len(run.skipped)} malformed input lines/files")
    if folder is not None:
        err.print(f"wrote {folder}/results.json, samples.jsonl, report.html", highlight=False, soft_wrap=True)


@eval_app.command("run")
@handle_errors
def run(
    task: Annotated[str, typer.Argument(help="asr, retrieval, contact_type, sentiment, qa or repeat_call.")],
    data: Annotated[
        str, typer.Option("--data", help="A built-in dataset name, or a FORMATS file or folder.")
    ],
    kb: Annotated[Path | None, typer.Option("--kb", help="Knowledge folder (retrieval).")] = None,
    scorecard: Annotated[Path | None, typer.Option(help="QA scorecard YAML (qa).")] = None,
    taxonomy: Annotated[Path | None, typer.Option(help="Contact-type taxonomy YAML (contact_type).")] = None,
    model: Annotated[Path | None, typer.Option("--model", help="A model folder to measure instead.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Run folder (default ./eval-runs/<task>-<data>-<time>/).")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Measure at most N items, evenly spaced.")] = None,
    data_root: Annotated[Path | None, typer.Option(help="Folder of the built-in datasets.")] = None,
    database_url: Annotated[
        str | None, typer.Option(help="PostgreSQL for capabilities that need one (default: a temporary one).")
    ] = None,
) -> None:
    """Run one eval task on a dataset: print the figures, write results.json, samples.jsonl, report.html."""
    from evals import RunOptions, run_task

    options = RunOptions(
        data=data,
        out_dir=out,
        kb=kb,
        scorecard=scorecard,
        taxonomy=taxonomy,
        model_dir=model,
        limit=limit,
        data_root=data_root,
        database_url=database_url,
    )
    with err.status(f"running {task} on {data}") as status:
        result, folder = run_task(task, options, progress=lambda m: status.update(m))
    _print_run(result, folder)


@eval_app.command("compare")
@handle_errors
def compare(
    before: Annotated[Path, typer.Argument(help="A run folder (or its results.json).")],
    after: Annotated[Path, typer.Argument(help="Another run folder to compare with the first.")],
) -> None:
    """Metric deltas between two runs (after − before)."""
    from evals import compare_runs

    a, b, deltas = compare_runs(before, after)
    if a.get("task") != b.get("task"):
        err.print(f"[yellow]note:[/] comparing different tasks ({a.get('task')} and {b.get('task')})")
    table = Table(
        title=(
            f"{a.get('task')}: {a.get('dataset')} ({a.get('started_at')}) → "
            f"{b.get('dataset')} ({b.get('started_at')})"
        )
    )
    for col in ("system", "metric", "before", "after", "delta"):
        table.add_column(col, justify="left" if col in ("system", "metric") else "right")
    for d in deltas:
        delta = d.delta
        shown = (
            "–"
            if delta is None
            else (f"[green]{delta:+.4f}[/]" if delta > 0 else f"[red]{delta:+.4f}[/]" if delta < 0 else "0")
        )
        table.add_row(d.system, d.metric, _fmt(d.before), _fmt(d.after), shown)
    console.print(table)


@eval_app.command("datasets")
@handle_errors
def datasets_list() -> None:
    """The built-in datasets (converted from the public sets in shared/data)."""
    from evals.datasets import DATASETS

    table = Table(title="built-in datasets")
    for col in ("name", "kind", "license", "description"):
        table.add_column(col, overflow="fold")
    for info in DATASETS.values():
        table.add_row(info.name, info.kind, info.license, info.description)
    console.print(table)


@eval_app.command("tasks")
@handle_errors
def tasks_list() -> None:
    """The eval tasks (evals/tasks/*.yaml) with their metrics and default datasets."""
    from evals import load_tasks

    table = Table(title="eval tasks")
    for col in ("task", "version", "reads", "default datasets", "metrics", "baselines"):
        table.add_column(col, overflow="fold")
    for spec in load_tasks().values():
        table.add_row(
            spec.name,
            str(spec.version),
            ", ".join(spec.inputs),
            ", ".join(spec.datasets) or "–",
            ", ".join(spec.metrics),
            ", ".join(spec.baselines) or "–",
        )
    console.print(table)


@eval_app.command("export")
@handle_errors
def export(
    name: Annotated[str, typer.Argument(help="A built-in dataset name (see `callscope eval datasets`).")],
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the FORMATS files into.")],
    data_root: Annotated[Path | None, typer.Option(help="Folder of the built-in datasets.")] = None,
) -> None:
    """Write a built-in dataset as FORMATS.md files, to inspect or to edit."""
    from evals.datasets import export_dataset

    files = export_dataset(name, out_dir, data_root)
    for path in files:
        console.print(str(path), highlight=False)
    err.print(f"wrote {len(files)} files to {out_dir}")


@eval_app.command("all")
@handle_errors
def run_all(
    out: Annotated[Path, typer.Option(help="Folder for the runs.")] = Path("eval-runs"),
    task: Annotated[list[str] | None, typer.Option("--task", help="Only these tasks (repeatable).")] = None,
    update_readme: Annotated[
        bool, typer.Option(help="Write the table into evals/README.md between the eval-all markers.")
    ] = False,
    readme: Annotated[Path, typer.Option(help="The README to update.")] = README,
    data_root: Annotated[Path | None, typer.Option(help="Folder of the built-in datasets.")] = None,
    limit_scale: Annotated[
        float, typer.Option(min=0.01, help="Scale every suite limit (0.1 = a tenth).")
    ] = 1.0,
) -> None:
    """Run the default suite: every task on its public datasets, then print a Markdown table."""
    import sys

    from evals import SuiteOptions, run_suite, suite_markdown
    from evals import update_readme as write_readme

    options = SuiteOptions(out_dir=out, tasks=task or None, data_root=data_root, limit_scale=limit_scale)
    with err.status("eval suite") as status:
        results, wall = run_suite(options, progress=lambda m: status.update(f"eval suite: {m}"))
    for r in results:
        if r.run is not None:
            _print_run(r.run, r.folder)
        else:
            err.print(f"[yellow]{r.task} on {r.dataset}: not available[/] ({r.error})", highlight=False)
    table = suite_markdown(results, wall)
    sys.stdout.write("\n" + table)
    err.print(f"suite finished in {wall:.0f} s")
    if update_readme:
        write_readme(readme, table)
        err.print(f"updated {readme}")
