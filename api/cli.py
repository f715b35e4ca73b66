"""The ``callscope`` command line (Typer + Rich). Commands stay thin over the service modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.cli_analytics import register as register_analytics_commands
from api.cli_eval import eval_app
from api.cli_kb import index_folder, kb_app
from api.cli_privacy import register as register_privacy_commands
from api.cli_qa import qa_app
from api.cli_staffing import register as register_staffing_command
from api.cli_tags import register as register_tag_commands
from api.cli_users import users_app
from api.console import cli_runtime, console, err, handle_errors, progress_bar
from api.settings import Settings
from common.errors import InvalidInput

__all__ = ["app", "main"]

app = typer.Typer(
    help="callscope: transcribe, redact, store and score contact-center calls.", no_args_is_help=True
)
calls_app = typer.Typer(help="Stored calls.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(calls_app, name="calls")
app.add_typer(db_app, name="db")
app.add_typer(eval_app, name="eval")
app.add_typer(kb_app, name="kb")
app.add_typer(qa_app, name="qa")
app.add_typer(users_app, name="users")
register_tag_commands(app)
register_privacy_commands(calls_app)
register_analytics_commands(app)
register_staffing_command(app)


DEMO = Path(__file__).resolve().parent.parent / "demo"
DEMO_RECORDINGS = DEMO / "recordings"
DEMO_KNOWLEDGE = DEMO / "knowledge"


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def _calls_table(summaries: list[Any], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    # Columns fold rather than crop, so an 80-column terminal still shows every column.
    table.add_column("id", style="cyan", overflow="fold", ratio=2)
    table.add_column("length", justify="right")
    table.add_column("speakers", overflow="fold", ratio=1)
    table.add_column("first customer sentence", overflow="fold", ratio=3)
    table.add_column("PII", justify="right")
    table.add_column("type, sentiment, repeat", overflow="fold", ratio=3)
    for c in summaries:
        repeat = "" if c.repeat_probability is None else f" {c.repeat_probability:.2f}"
        tags = f"{c.contact_type} {c.sentiment or '-'}{repeat}" if c.contact_type else "-"
        table.add_row(
            c.id,
            _fmt_duration(c.duration_s),
            ", ".join(c.speakers),
            c.preview,
            str(c.redaction_count),
            tags,
        )
    return table


def _ingest(rt: Any, paths: list[Path], *, process: bool) -> Any:
    from api.ingest import ingest_paths

    progress = progress_bar("ingesting")
    task = progress.add_task("ingest", total=None)
    with progress:
        report = ingest_paths(
            rt,
            paths,
            process=process,
            on_start=lambda n: progress.update(task, total=n),
            on_progress=lambda n: progress.update(task, completed=n),
        )
    summary = (
        f"stored {len(report.stored)}, skipped {len(report.skipped)} already stored, "
        f"failed {len(report.failed)}"
    )
    if not process:
        summary += f", queued {report.queued} for `callscope worker`"
    err.print(summary)
    for source, reason in report.failed:
        err.print(f"[red]failed[/] {source}: {reason}", highlight=False)
    return report


@app.command()
@handle_errors
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Recordings, folders, or labeled-call JSONL files.")],
    process: Annotated[bool, typer.Option(help="Run the jobs here; --no-process only queues them.")] = True,
) -> None:
    """Transcribe, redact and store recordings and labeled calls (one job each; safe to re-run)."""
    report = _ingest(cli_runtime(), paths, process=process)
    if report.failed:
        raise typer.Exit(1)


@app.command()
@handle_errors
def demo(
    recordings: Annotated[Path, typer.Option(help="Folder of demo recordings.")] = DEMO_RECORDINGS,
    knowledge: Annotated[Path, typer.Option(help="The demo company's knowledge folder.")] = DEMO_KNOWLEDGE,
    serve: Annotated[bool, typer.Option(help="Then serve the agent sidebar until Ctrl-C.")] = True,
    port: Annotated[int | None, typer.Option(help="Port for the sidebar.")] = None,
    history: Annotated[
        bool,
        typer.Option(help="Also store a generated month of history (marked generated) for the dashboard."),
    ] = True,
) -> None:
    """The main job on the embedded defaults: index the demo company's knowledge base, ingest its calls
    (transcribed, redacted, tagged and QA-scored), store a generated month of history for the manager
    dashboard, and serve the live-assist sidebar (play a recording there as a live call), the QA
    review pages and the dashboard."""
    from api import store

    rt = cli_runtime()
    err.print(f"database: {rt.db.describe()}  (data in {rt.settings.home_dir})")
    # The knowledge base first: QA checks what agents say in the calls against it.
    kb_report = index_folder(rt, knowledge, rt.settings.kb)
    report = _ingest(rt, [recordings], process=True)
    console.print(_calls_table(store.list_calls(rt.db, limit=100), "Stored calls"))
    if history:
        _demo_history(rt)
    _first_admin(rt)
    _demo_users(rt)
    if report.failed or kb_report.errors:
        raise typer.Exit(1)
    if serve:
        _serve(rt.settings, None, port, banner=True)


def _demo_history(rt: Any) -> None:
    """A generated month of the demo company's calls and ACD records, with known trends injected
    (docs/generated-history.md). Stored once; every call is marked generated."""
    from analytics.synthetic import GeneratorOptions, generate_history
    from api.analytics_history import store_history

    history = generate_history(GeneratorOptions(seed=7, company="Brightline Mobile"))
    with progress_bar("storing generated history") as bar:
        task = bar.add_task("history", total=len(history.calls))
        done = store_history(rt, history, progress=lambda n: bar.update(task, completed=n))
    first, last = history.calls[0].started_at, history.calls[-1].started_at
    console.print(
        f"Generated demo history (not real calls): {done.calls + done.skipped} calls and {done.acd} "
        "ACD records "
        f"from {first:%Y-%m-%d} to {last:%Y-%m-%d}; {done.topics} topics. `callscope report --week "
        f"{first.isocalendar()[0]}-W{first.isocalendar()[1] + 2:02d} --out report.html` "
        "writes a weekly report."
    )


#: The demo's users, one per role (their passwords are made anew on each `callscope demo`).
DEMO_USERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("demo-agent", "agent", {"agent_id": "agent-01"}),
    ("demo-evaluator", "evaluator", {}),
    ("demo-manager", "manager", {"teams": ["team-a"]}),
    ("demo-admin", "admin", {}),
)


def _first_admin(rt: Any) -> None:
    from api.auth import ensure_first_admin

    password = ensure_first_admin(rt)
    if password:
        console.print(
            f"[bold]First run:[/] created the user [bold]admin[/] with the password [bold]{password}[/] "
            "(shown once; `callscope users passwd admin` sets another)",
            highlight=False,
        )


def _demo_users(rt: Any) -> None:
    from api.auth import create_user, list_users, set_password

    existing = {u.username for u in list_users(rt)}
    table = Table(title="Demo users (sign in at /login)", show_edge=False)
    for col in ("user", "role", "sees", "password"):
        table.add_column(col)
    for name, role, extra in DEMO_USERS:
        if name in existing:
            password = set_password(rt, name)
        else:
            _, password = create_user(rt, name, role, **extra)
        sees = {"agent": "own calls (agent-01)", "manager": "team-a"}.get(role, "everything")
        table.add_row(name, role, sees, password)
    console.print(table)


def _serve(settings: Settings, host: str | None, port: int | None, *, banner: bool = False) -> None:
    import uvicorn

    from api.app import create_app
    from api.live import list_recordings
    from api.runtime import open_runtime

    host, port = host or settings.host, port or settings.port
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if banner:
        rt = open_runtime(settings, migrate=False)
        _first_admin(rt)
        first = next(iter(list_recordings(rt)), None)
        play = f"?recording={first['name']}" if first else ""
        console.print(f"\n[bold]Agent sidebar:[/] {url}/assist{play}   (API docs: {url}/docs; Ctrl-C stops)")
        console.print(f"[bold]QA review:[/] {url}/qa")
        console.print(f"[bold]Manager dashboard:[/] {url}/analytics   (sign in at {url}/login)")
    uvicorn.run(
        create_app(settings, run_worker=settings.serve_worker),
        host=host,
        port=port,
        log_level="warning",
        # Behind a reverse proxy: the client's address and scheme come from its X-Forwarded-* headers.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


@app.command()
@handle_errors
def worker(concurrency: Annotated[int, typer.Option(min=1, help="Jobs at a time.")] = 1) -> None:
    """Run a worker that processes queued jobs until interrupted (start several to scale out)."""
    import asyncio

    from api import jobs

    rt = cli_runtime()
    job_app = jobs.make_app(rt)

    async def main() -> None:
        async with job_app.open_async():
            await jobs.run_worker(job_app, concurrency=concurrency)

    err.print(f"worker on {rt.db.describe()}, queue '{jobs.QUEUE}' (Ctrl-C to stop)")
    asyncio.run(main())


@app.command()
@handle_errors
def transcribe(
    file: Annotated[Path, typer.Argument(help="A recording in any format FFmpeg reads.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the transcript as JSON.")] = False,
    agent_channel: Annotated[int | None, typer.Option(help="Stereo: the agent's channel.")] = None,
) -> None:
    """Transcribe one recording (no database needed)."""
    from api.runtime import transcriber_for
    from asr import decode_audio

    settings = Settings()
    audio = decode_audio(file, max_duration_s=settings.max_duration_s)
    transcript = transcriber_for(settings, agent_channel).transcribe(audio)
    if as_json:
        sys.stdout.write(json.dumps(transcript.to_dict(), indent=2) + "\n")
        return
    for t in transcript.turns:
        console.print(
            f"[dim]{t.start:7.2f}–{t.end:7.2f}[/] [bold]{t.speaker:>8}[/]: {t.text}", highlight=False
        )
    err.print(f"{len(transcript.turns)} turns, {transcript.duration:.1f} s")


@calls_app.command("list")
@handle_errors
def calls_list(
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    contact_type: Annotated[
        str | None, typer.Option(help="Only this contact type, or a group (billing = billing.*).")
    ] = None,
    sentiment: Annotated[str | None, typer.Option(help="Only negative, neutral or positive calls.")] = None,
    min_repeat: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Only calls this likely to be repeated.")
    ] = None,
    agent: Annotated[str | None, typer.Option(help="Only this agent's calls.")] = None,
    queue: Annotated[str | None, typer.Option(help="Only this queue's calls.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List stored calls, newest first, optionally filtered by their tags."""
    from dataclasses import asdict

    from api import store

    if sentiment is not None and sentiment not in ("negative", "neutral", "positive"):
        raise InvalidInput(f"--sentiment {sentiment!r}: use negative, neutral or positive")
    where = store.CallFilter(contact_type, sentiment, min_repeat, agent, queue)
    calls = store.list_calls(cli_runtime().db, limit=limit, offset=offset, where=where)
    if as_json:
        sys.stdout.write(json.dumps([asdict(c) for c in calls], default=str, indent=2) + "\n")
    else:
        console.print(_calls_table(calls, f"{len(calls)} calls"))


@calls_app.command("show")
@handle_errors
def calls_show(call_id: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one call's redacted transcript."""
    from api import export

    call = _get(call_id)
    if as_json:
        sys.stdout.write(json.dumps(export.call_to_record(call, words=True), indent=2, default=str) + "\n")
        return
    s = call.summary
    console.print(
        f"[bold]{s.id}[/]  {_fmt_duration(s.duration_s)}  {s.channel}  source: {s.source}", highlight=False
    )
    console.print(f"redactions: {s.redaction_count}  labels: {json.dumps(call.labels)}", highlight=False)
    for t in call.transcript.turns if call.transcript else []:
        console.print(f"[dim]{t.start:7.2f}[/] [bold]{t.speaker:>8}[/]: {t.text}", highlight=False)


def _get(call_id: str) -> Any:
    from api import store

    return store.get_call(cli_runtime().db, call_id)


@calls_app.command("export")
@handle_errors
def calls_export(
    fmt: Annotated[str, typer.Option("--format", help="Only 'jsonl' (FORMATS.md §1).")] = "jsonl",
    out: Annotated[Path | None, typer.Option(help="Output file; standard output when not given.")] = None,
) -> None:
    """Export every stored call as labeled-call JSON Lines."""
    from api import export

    if fmt != "jsonl":
        raise InvalidInput(f"unknown export format '{fmt}'; the supported format is 'jsonl'")
    rt = cli_runtime()
    if out is None:
        n = export.write_jsonl(rt.db, sys.stdout, base_dir=Path.cwd())
    else:
        with out.open("w", encoding="utf-8") as f:
            n = export.write_jsonl(rt.db, f, base_dir=out.resolve().parent)
    err.print(f"exported {n} calls")


@calls_app.command("failures")
@handle_errors
def calls_failures(limit: Annotated[int, typer.Option(min=1)] = 20) -> None:
    """Recent ingest failures with their reasons."""
    from api import store

    table = Table(title="ingest failures")
    for col in ("when", "source", "reason"):
        table.add_column(col, overflow="fold")
    for f in store.list_failures(cli_runtime().db, limit=limit):
        table.add_row(f.created_at.strftime("%Y-%m-%d %H:%M:%S"), f.source, f.reason)
    console.print(table)


@app.command("redact-audio")
@handle_errors
def redact_audio(
    target: Annotated[str, typer.Argument(help="A stored call id, or a recording file.")],
    out: Annotated[Path, typer.Option(help="Where to write the redacted copy (.wav or .flac).")],
) -> None:
    """Write a copy of a recording with the redacted words' time spans silenced."""
    from api.runtime import transcriber_for
    from asr import decode_audio
    from privacy import RedactedSpan, get_redactor, silence_spans

    path = Path(target)
    if path.is_file():
        settings = Settings()
        transcript = transcriber_for(settings).transcribe(
            decode_audio(path, max_duration_s=settings.max_duration_s)
        )
        spans = get_redactor().redact_transcript(transcript).spans
        source = path
    else:
        call = _get(target)
        if not call.audio_path:
            raise InvalidInput(f"call '{target}' has no stored recording (a text contact?)")
        spans = [RedactedSpan.from_dict(s) for s in call.redaction_spans]
        source = Path(call.audio_path)
    n = silence_spans(source, spans, out)
    err.print(f"silenced {n} spans; wrote {out}")


@app.command()
@handle_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Run the web app (agent sidebar at /assist) and JSON API (docs at /docs), with an in-process worker."""
    _serve(Settings(), host, port, banner=True)


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Apply pending schema migrations."""
    rt = cli_runtime()
    err.print(f"schema is current on {rt.db.describe()}")


@db_app.command("url")
@handle_errors
def db_url() -> None:
    """Print the database URL (starting the embedded server if needed)."""
    sys.stdout.write(cli_runtime().db.url + "\n")


def main() -> None:
    app()
