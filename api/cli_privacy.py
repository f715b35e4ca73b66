"""``callscope calls delete`` and ``callscope calls purge``: thin commands over ``api.data_rights``."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from api.console import cli_runtime, console, err, handle_errors

__all__ = ["register"]


def _rows(rows: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in sorted(rows.items())) or "none"


@handle_errors
def calls_delete(
    call_id: Annotated[str, typer.Argument(help="The stored call to delete.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was deleted as JSON.")] = False,
) -> None:
    """Delete a call everywhere: transcript, tags, QA, evaluations, disputes, analytics facts and the
    reason's embedding, ingest jobs and failures, and its recording (original and redacted). Cannot
    be undone."""
    from api import data_rights

    rt = cli_runtime()
    if not yes:
        typer.confirm(
            f"Delete call '{call_id}' and everything derived from it? This cannot be undone", abort=True
        )
    deleted = data_rights.delete_call(rt, call_id)
    if as_json:
        sys.stdout.write(json.dumps(asdict(deleted), indent=2) + "\n")
        return
    console.print(f"deleted call [bold]{deleted.call_id}[/]", highlight=False)
    console.print(f"  rows: {_rows(deleted.rows)}", highlight=False)
    console.print(f"  files removed: {len(deleted.files_removed)}", highlight=False)
    for path in deleted.files_kept:
        err.print(f"[yellow]kept[/] {path}: outside callscope's home, remove it yourself", highlight=False)


@handle_errors
def calls_purge(
    older_than_days: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Purge calls that started more than this many days ago; default: CALLSCOPE_RETENTION_DAYS.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Change nothing; report what would go.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for cron).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Retention: purge old calls down to their de-identified facts (recording, transcript, customer id
    and free text go; time, queue, team, agent, tags, QA score and conversation metrics stay, so the
    dashboard's figures do not change). Purged calls show as [PURGED] and are skipped next time."""
    from api import data_rights

    rt = cli_runtime()
    days = older_than_days if older_than_days is not None else rt.settings.retention_days
    if not dry_run and not yes and days is not None:
        typer.confirm(
            f"Purge every call that started more than {days} days ago down to its de-identified facts? "
            "This cannot be undone",
            abort=True,
        )
    report = data_rights.apply_retention(rt, dry_run=dry_run, older_than_days=older_than_days)
    if as_json:
        sys.stdout.write(json.dumps(asdict(report), indent=2, default=str) + "\n")
        return
    verb = "would purge" if report.dry_run else "purged"
    console.print(
        f"{verb} {report.calls} calls that started before {report.cutoff:%Y-%m-%d %H:%M} UTC "
        f"({report.files} recordings)",
        highlight=False,
    )
    if report.rows:
        console.print(f"  rows: {_rows(report.rows)}", highlight=False)
    if report.busy:
        err.print(f"{len(report.busy)} calls are being ingested right now; the next run purges them")


def register(calls_app: typer.Typer) -> None:
    """Add ``delete`` and ``purge`` to the ``callscope calls`` group."""
    calls_app.command("delete")(calls_delete)
    calls_app.command("purge")(calls_purge)
