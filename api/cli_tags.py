"""``callscope tag``, ``callscope train …`` and ``callscope repeats``: thin commands over the services."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.console import cli_runtime, console, err, handle_errors, progress_bar
from api.settings import Settings

__all__ = ["register", "train_app"]

train_app = typer.Typer(
    help="Train contact-type, sentiment and repeat-call models on your data.", no_args_is_help=True
)


def _embedder() -> Any:
    from api.runtime import embedder_for

    return embedder_for(Settings())


def _print_tags(tags: dict[str, Any]) -> None:
    ct, se, rc = tags["contact_type"], tags["sentiment"], tags["repeat_call"]
    secondary = f"  (also {ct['secondary']})" if ct.get("secondary") else ""
    console.print(f"[bold]{tags['call_id']}[/]", highlight=False)
    console.print(f"  contact type  {ct['label']}  {ct['confidence']:.2f}{secondary}", highlight=False)
    for text in ct.get("evidence", [])[:2]:
        console.print(f"                [dim]“{text}”[/]", highlight=False)
    console.print(
        f"  sentiment     {se['label']}  {se['polarity']:+.2f}  "
        f"(start {se['start']:+.2f} → end {se['end']:+.2f}, {se['trajectory']})",
        highlight=False,
    )
    worst = se.get("most_negative")
    if worst:
        console.print(
            f"                most negative: turn {worst['turn']} “{worst['text']}”", highlight=False
        )
    console.print(f"  repeat call   {rc['probability']:.2f}", highlight=False)
    for s in rc["signals"][:5]:
        console.print(
            f"                {s['name']} ({s['contribution']:+.2f}) [dim]{s['evidence']}[/]", highlight=False
        )


def tag(
    target: Annotated[
        str, typer.Argument(help="A stored call id, or a labeled-call JSONL file (not stored).")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    recompute: Annotated[bool, typer.Option(help="Re-tag a stored call with the current models.")] = False,
) -> None:
    """Contact type, customer sentiment and repeat-call probability of a call, with the evidence."""
    from api import store, tagging

    rt = cli_runtime()
    path = Path(target)
    if path.is_file():
        results = tagging.tag_file(rt, path)
    else:
        stored = None if recompute else store.get_tags(rt.db, store.get_call(rt.db, target).summary.id)
        results = [{"call_id": target, **stored}] if stored else tagging.tag_calls(rt, [target])
    if as_json:
        sys.stdout.write(json.dumps(results if path.is_file() else results[0], indent=2, default=str) + "\n")
        return
    for r in results:
        _print_tags(r)


def repeats(
    by: Annotated[str, typer.Option(help="contact_type, queue or agent_id.")] = "contact_type",
    window_days: Annotated[
        float | None, typer.Option(help="Repeat window (default: the setting, 7).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Repeat rate and first-contact resolution over the stored calls (the measured rule)."""
    from dataclasses import asdict

    from api.tagging import measure_stored_repeats

    report = measure_stored_repeats(cli_runtime(), by=by, window_days=window_days)
    if as_json:
        out = {"overall": asdict(report.overall), "by": by, "rates": [asdict(r) for r in report.rates]}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    table = Table(title=f"repeat calls by {by}")
    for col in (by, "calls", "repeats", "repeat rate", "FCR"):
        table.add_column(col, justify="left" if col == by else "right")
    for r in [report.overall, *report.rates]:
        table.add_row(r.key, str(r.calls), str(r.repeats), f"{r.repeat_rate:.1%}", f"{r.fcr:.1%}")
    console.print(table)


def _saved(info: Any, out: Path, note: str) -> None:
    figures = ", ".join(f"{k} {v}" for k, v in info.metrics.items())
    err.print(f"trained {info.name}@{info.version} on {note}")
    if figures:
        err.print(f"  {figures}")
    err.print(f"wrote {out}  (use it: CALLSCOPE_{info.kind.upper()}_MODEL={out})")


@train_app.command("contact-type")
@handle_errors
def train_contact_type(
    out: Annotated[Path, typer.Option(help="Model folder to write.")],
    taxonomy: Annotated[Path | None, typer.Option(help="Taxonomy YAML (FORMATS §6).")] = None,
    data: Annotated[
        str | None, typer.Option(help="Utterance CSV, labeled-call JSONL or a built-in dataset.")
    ] = None,
    shots: Annotated[int | None, typer.Option(min=1, help="Use only this many examples per label.")] = None,
    name: Annotated[str, typer.Option(help="Model name stored with every tag.")] = "contact-type",
) -> None:
    """Build a contact-type classifier from a taxonomy, labeled data, or both."""
    from api import training

    info, note = training.train_contact_type(
        _embedder(), out=out, taxonomy=taxonomy, data=data, shots=shots, name=name
    )
    _saved(info, out, note)


@train_app.command("sentiment")
@handle_errors
def train_sentiment(
    out: Annotated[Path, typer.Option(help="Model folder to write.")],
    data: Annotated[str, typer.Option(help="CSV text,label (negative|neutral|positive) or labeled calls.")],
    name: Annotated[str, typer.Option(help="Model name stored with every tag.")] = "sentiment",
    fine_tune: Annotated[
        bool, typer.Option(help="Fine-tune the encoder too (minutes per 1,000 texts; better on tone).")
    ] = False,
    epochs: Annotated[int, typer.Option(min=1, help="Fine-tuning passes over the data.")] = 3,
) -> None:
    """Train the sentiment model on your own labels: a head on the shared embeddings (seconds), or
    with --fine-tune the encoder as well, as the shipped model is."""
    from api import training
    from qa_models.finetune import FineTuneOptions

    if not fine_tune:
        info, note = training.train_sentiment(_embedder(), out=out, data=data, name=name)
    else:
        with progress_bar("fine-tuning") as bar:
            task = bar.add_task("fine-tuning", total=None)
            info, note = training.train_sentiment(
                _embedder(),  # where the tuned encoder's export is cached
                out=out,
                data=data,
                name=name,
                fine_tune=FineTuneOptions(epochs=epochs),
                progress=lambda step, steps, _loss: bar.update(task, completed=step, total=steps),
            )
    _saved(info, out, note)


@train_app.command("repeat-call")
@handle_errors
def train_repeat_call(
    out: Annotated[Path, typer.Option(help="Model folder to write.")],
    data: Annotated[str | None, typer.Option(help="Labeled-call JSONL; default: the stored calls.")] = None,
    window_days: Annotated[float, typer.Option(help="Repeat window for the measured labels.")] = 7.0,
    name: Annotated[str, typer.Option(help="Model name stored with every tag.")] = "repeat-call",
) -> None:
    """Train the repeat-call predictor on the measured repeats of your call history."""
    from api import training

    rt = cli_runtime()
    records, labels, note = training.repeat_training_set(rt, data, window_days)
    info = training.train_repeat_call(records, labels, out=out, name=name)
    _saved(info, out, note)


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(tag))
    app.command()(handle_errors(repeats))
    app.add_typer(train_app, name="train")
