"""What every command shares: where the token is kept, where secrets come from, output as
a table or JSON, and turning Coffer's errors into one line and an exit status.

Secrets never come from argv: passwords and PINs are prompted for (hidden) or read from
COFFER_PASSWORD and COFFER_PIN; the token and unlock secret from COFFER_TOKEN and
COFFER_UNLOCK, or the token from the config file `coffer login` writes (mode 0600).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import httpx
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from ..errors import ApiError, CofferError, VerificationError
from ..user import Coffer

F = TypeVar("F", bound=Callable[..., Any])

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True)


def config_path() -> Path:
    if os.environ.get("COFFER_CONFIG"):
        return Path(os.environ["COFFER_CONFIG"])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "coffer" / "config.json"


def config_read() -> dict[str, Any]:
    path = config_path()
    if not path.exists():
        return {}
    config: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return config


def config_write(config: dict[str, Any]) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(config, file)
    os.replace(temporary, path)


def secret(env: str, prompt: str, *, confirm: bool = False) -> str:
    """A secret from the environment variable `env`, else a hidden prompt on the terminal."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise click.UsageError(f"{prompt}: set {env}, or run this in a terminal to be asked.")
    # On stderr, so `eval "$(coffer unlock)"` shows the prompt and captures only the export line.
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True))


@dataclass
class State:
    server: str | None
    json: bool = False

    def resolved_server(self) -> str:
        server = self.server or os.environ.get("COFFER_SERVER") or config_read().get("server")
        if not server:
            raise click.UsageError("No server: pass --server, set COFFER_SERVER, or run `coffer login`.")
        return str(server)

    def coffer(self) -> Coffer:
        token = os.environ.get("COFFER_TOKEN") or config_read().get("token")
        if not token:
            raise click.UsageError("Not signed in: run `coffer login`, or set COFFER_TOKEN.")
        return Coffer(self.resolved_server(), str(token), unlock_secret=os.environ.get("COFFER_UNLOCK") or None)


def state() -> State:
    return click.get_current_context().find_object(State) or State(server=None)


def json_option(command: F) -> F:
    """`--json` on a command as well as before it (`coffer --json records ls`)."""

    def turn_on(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            ctx.ensure_object(State).json = True

    return click.option("--json", "as_json", is_flag=True, expose_value=False, callback=turn_on,
                        help="Print JSON for scripts instead of a table.")(command)


@contextmanager
def unlocked(coffer: Coffer) -> Iterator[Coffer]:
    """The vault unlocked for one command: with COFFER_UNLOCK as it is (and left unlocked),
    otherwise with the PIN, and locked again when the command ends."""
    if coffer.unlock_secret:
        yield coffer
        return
    coffer.unlock(secret("COFFER_PIN", "PIN"))
    try:
        yield coffer
    finally:
        coffer.lock()


def emit(data: Any, *, columns: Sequence[str] = (), rows: Sequence[Sequence[Any]] = (), text: str | None = None) -> None:
    """JSON with --json; otherwise a table of `rows`, or `text`."""
    if state().json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    elif columns:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if cell is None else str(cell) for cell in row))
        stdout.print(table)
    else:
        click.echo(text if text is not None else json.dumps(data, ensure_ascii=False, indent=2))


def fail(message: str, code: int = 1) -> NoReturn:
    stderr.print(message, markup=False, highlight=False)
    sys.exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Coffer's refusals as `error: <code>: <detail>` and exit status 1."""
    try:
        yield
    except VerificationError as exc:
        fail(f"verification failed: {exc}")
    except ApiError as exc:
        fields = f" {json.dumps(exc.fields, ensure_ascii=False)}" if exc.fields else ""
        fail(f"error: {exc.code}: {exc.detail}{fields}")
    except CofferError as exc:
        fail(f"error: {exc}")
    except httpx.TransportError as exc:
        fail(f"error: cannot reach the server: {exc}")


@contextmanager
def transfer_progress(description: str, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; the callback takes (bytes done, total)."""
    if quiet:
        yield lambda done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
               DownloadColumn(binary_units=True), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=stderr) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update
