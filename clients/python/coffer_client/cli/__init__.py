"""The `coffer` command. `coffer --help` lists the commands; docs in clients/python/README.md."""

from __future__ import annotations

from pathlib import Path

import click

from ..auth import ALL_SCOPES, token_create
from .app import app
from .common import (
    State,
    config_read,
    config_write,
    emit,
    fail,
    json_option,
    reported_errors,
    secret,
    state,
    transfer_progress,
    unlocked,
)
from .files import files
from .records import records


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--server", envvar="COFFER_SERVER", help="Coffer's address, e.g. https://coffer.example (or COFFER_SERVER).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables.")
@click.version_option(package_name="coffer-client")
@click.pass_context
def cli(ctx: click.Context, server: str | None, as_json: bool) -> None:
    """Coffer from the command line: your vault's records and files, and apps' grants.

    Secrets are never arguments: the password and PIN are asked for, or read from
    COFFER_PASSWORD and COFFER_PIN; the token from `coffer login` or COFFER_TOKEN.
    """
    ctx.obj = State(server=server, json=as_json)


@cli.command()
@click.option("--username", prompt=True, help="Your username or email address.")
@click.option("--name", default="coffer-cli", show_default=True, help="A name for the token, to recognise it later.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(ALL_SCOPES), help="Limit the token (default: all).")
@json_option
def login(username: str, name: str, scopes: tuple[str, ...]) -> None:
    """Sign in with your password (asked, or COFFER_PASSWORD) and keep an API token.

    The token is written to the config file (COFFER_CONFIG, else ~/.config/coffer/config.json),
    readable by you only. Accounts with a second factor make a token on the web and set
    COFFER_TOKEN instead."""
    server = state().resolved_server()
    password = secret("COFFER_PASSWORD", "Password")
    with reported_errors():
        issued = token_create(server, username=username, password=password, name=name, scopes=scopes or ALL_SCOPES)
    config_write({**config_read(), "server": server, "token": issued["token"], "token_id": issued["id"]})
    emit({"server": server, "token_id": issued["id"], "scopes": issued["scopes"]},
         text=f"Signed in to {server} (token {issued['prefix']}…, scopes {' '.join(issued['scopes'])}).")


@cli.command()
def logout() -> None:
    """Forget the stored token."""
    config = config_read()
    config.pop("token", None)
    config.pop("token_id", None)
    config_write(config)
    click.echo("Signed out: the token is no longer stored here. Revoke it on the web if it leaked.")


@cli.command()
@json_option
def setup() -> None:
    """Create your vault with a PIN (asked twice, or COFFER_PIN); prints the recovery code once."""
    pin = secret("COFFER_PIN", "New PIN", confirm=True)
    with reported_errors(), state().coffer() as coffer:
        code = coffer.setup(pin)
    emit({"recovery_code": code}, text=f"Your vault is ready. Recovery code (write it down, shown once):\n\n  {code}\n")


@cli.command()
@json_option
def status() -> None:
    """The vault's state: unset, locked, unlocked or locked_out."""
    with reported_errors(), state().coffer() as coffer:
        vault = coffer.vault()
    emit(vault, columns=("state", "key version", "attempts left", "unlocked until"),
         rows=[(vault["state"], vault["key_version"], vault["attempts_remaining"], vault["expires_at"])])


@cli.command()
@json_option
def unlock() -> None:
    """Unlock with your PIN (asked, or COFFER_PIN) for the following commands.

    Prints `export COFFER_UNLOCK=...` for your shell: eval "$(coffer unlock)". The secret is
    kept nowhere else; `coffer lock` ends it at once. Without it, each command that needs
    the vault asks for the PIN and locks again when it ends."""
    pin = secret("COFFER_PIN", "PIN")
    with reported_errors(), state().coffer() as coffer:
        session = coffer.unlock(pin)
    emit({"unlock_secret": coffer.unlock_secret, "idle_expires_at": session.idle_expires_at,
          "expires_at": session.expires_at}, text=f"export COFFER_UNLOCK={coffer.unlock_secret}")


@cli.command()
def lock() -> None:
    """End the unlock session in COFFER_UNLOCK at once."""
    with reported_errors(), state().coffer() as coffer:
        if not coffer.unlock_secret:
            fail("Nothing to lock: COFFER_UNLOCK is not set.")
        coffer.lock()
    click.echo("Locked. unset COFFER_UNLOCK")


@cli.command()
@click.option("--kind", type=click.Choice(["rewrap", "reencrypt"]), default="rewrap", show_default=True,
              help="rewrap: a new vault key; reencrypt: a new key for every item, every blob rewritten.")
@click.option("--follow/--no-follow", default=True, show_default=True, help="Wait for it to finish.")
@json_option
def rotate(kind: str, follow: bool) -> None:
    """Rotate your vault's keys; runs on the server, with progress here."""
    with reported_errors(), state().coffer() as coffer:
        with unlocked(coffer):
            job = coffer.start_rotation(kind)
        if follow:
            job = coffer.follow_rotation(job.id, on_progress=lambda j: None if state().json else click.echo(
                f"{j.state}: {j.items_done}/{j.items_total} items", err=True))
    emit(job.__dict__, columns=("id", "kind", "state", "items"), rows=[(job.id, job.kind, job.state,
                                                                       f"{job.items_done}/{job.items_total}")])
    if job.state == "failed":
        fail("The rotation failed; run it again with the API's resume once the cause is fixed.")


@cli.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the .age file (default: the server's name for it, in this directory).")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@json_option
def export(output: Path | None, force: bool, quiet: bool) -> None:
    """Export the whole vault as one encrypted file, opened with `age -d` and its passphrase.

    The passphrase is asked twice (or read from COFFER_EXPORT_PASSPHRASE); the server
    refuses a weak one and suggests a strong one. The server builds the file in the
    background; this waits for it, then downloads it."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        passphrase = secret("COFFER_EXPORT_PASSPHRASE", "Export passphrase", confirm=True)
        job = coffer.start_export(passphrase)
        with transfer_progress("building the export", quiet) as building:
            job = coffer.follow_export(job.id, on_progress=lambda j: building(j.bytes_done, j.bytes_total or 1))
        if job.state != "done":
            fail(f"The export {job.state}: {job.error or 'see the web page of the export'}.")
        destination = output or Path(job.filename)
        if destination.exists() and not force:
            fail(f"{destination} exists; --force replaces it.", 2)
        with transfer_progress(f"down {destination.name}", quiet) as progress:
            coffer.download_export(job.id, destination, progress=progress)
    emit({**job.__dict__, "path": str(destination)},
         text=f"Wrote {destination} ({job.size} bytes). Open it with: age -d -o export.tar {destination}")


cli.add_command(records)
cli.add_command(files)
cli.add_command(app)


def main() -> None:
    cli()
