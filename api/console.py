"""What every CLI command shares: the consoles, the runtime, and the mapping of callscope errors to exit
codes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from common.errors import CallscopeError, InvalidInput, NotFound

__all__ = ["cli_runtime", "console", "err", "handle_errors", "progress_bar"]

console = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def progress_bar(label: str) -> Any:
    """A Rich progress bar on stderr: label, bar, done/total, elapsed."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    )


def cli_runtime() -> Any:
    """The runtime for the environment's settings (starts the embedded database when needed)."""
    from api.runtime import open_runtime
    from api.settings import Settings

    return open_runtime(Settings())


def handle_errors(fn: F) -> F:
    """callscope errors as one clear line and an exit code (2 bad input, 3 not found, 1 other)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NotFound as exc:
            err.print(f"[red]not found:[/] {exc}", highlight=False)
            raise typer.Exit(3) from None
        except InvalidInput as exc:
            err.print(f"[red]invalid input:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None
        except CallscopeError as exc:
            err.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]
