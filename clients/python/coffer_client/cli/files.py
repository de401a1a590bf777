"""`coffer files ls|put|get|rm`, with progress bars on stderr for transfers."""

from __future__ import annotations

from pathlib import Path

import click

from .common import emit, fail, json_option, reported_errors, state, transfer_progress, unlocked

COLUMNS = ("id", "name", "type", "size", "record", "created")


@click.group()
def files() -> None:
    """Document files: scans, photos, PDFs, encrypted as they stream in."""


@files.command("ls")
@click.option("--record", help="Only files attached to this record.")
@json_option
def files_ls(record: str | None) -> None:
    """List files (names show while the vault is unlocked)."""
    with reported_errors(), state().coffer() as coffer:
        found = coffer.files(record=record)
    emit([f.__dict__ for f in found], columns=COLUMNS,
         rows=[(f.id, f.filename, f.content_type, f.size, f.record, f.created_at) for f in found])


@files.command("put")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="The name to keep (default: the file's).")
@click.option("--type", "content_type", default="application/octet-stream", help="Declared type (default: sniffed).")
@click.option("--record", help="Attach it to this record.")
@click.option("--resume/--no-resume", default=True, show_default=True,
              help="Send it in segments, going on after a dropped connection or an interrupted run.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@json_option
def files_put(path: Path, name: str | None, content_type: str, record: str | None, resume: bool, quiet: bool) -> None:
    """Upload a file. An interrupted `put` of the same file goes on where it stopped."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        with transfer_progress(f"up {path.name}", quiet) as progress:
            info = coffer.upload(path, filename=name, content_type=content_type, record=record, progress=progress,
                                 resumable=resume)
    emit(info.__dict__, columns=COLUMNS,
         rows=[(info.id, info.filename, info.content_type, info.size, info.record, info.created_at)])


@files.command("get")
@click.argument("file_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: its name, in this directory).")
@click.option("--resume/--no-resume", default=True, show_default=True, help="Continue an interrupted download.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@json_option
def files_get(file_id: str, output: Path | None, resume: bool, force: bool, quiet: bool) -> None:
    """Download and decrypt a file."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        info = coffer.file(file_id)
        destination = output or Path(Path(info.filename or info.id).name)
        if destination.exists() and not force:
            fail(f"{destination} exists; --force replaces it.", 2)
        with transfer_progress(f"down {destination.name}", quiet) as progress:
            coffer.download(file_id, destination, resume=resume, progress=progress)
    emit({**info.__dict__, "path": str(destination)}, text=f"Wrote {destination} ({info.size} bytes).")


@files.command("rm")
@click.argument("file_id")
def files_rm(file_id: str) -> None:
    """Delete a file."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        coffer.delete_file(file_id)
    click.echo(f"Deleted {file_id}.")
