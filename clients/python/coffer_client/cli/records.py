"""`coffer records ls|get|add|edit|rm|problems`. Record data is secret, so it never comes from argv:
`add` and `edit` read it as JSON from a file or standard input (`--data-file`, default -)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..models import Record
from .common import emit, fail, json_option, reported_errors, state, unlocked

COLUMNS = ("id", "kind", "label", "expired", "updated")


def _row(record: Record) -> tuple[Any, ...]:
    label = "(damaged: failed its integrity check)" if record.integrity_error else record.label
    return record.id, record.kind, label, record.expired, record.updated_at


def _read_data(data_file: str) -> dict[str, Any]:
    if data_file == "-" and sys.stdin.isatty():
        raw = click.prompt("Data as JSON", hide_input=True, err=True)
    else:
        with click.open_file(data_file, encoding="utf-8") as file:
            raw = file.read()
    try:
        data = json.loads(raw)
    except ValueError:
        fail("The data is not JSON.", 2)
    if not isinstance(data, dict):
        fail("The data must be a JSON object of field names and values.", 2)
    return data


@click.group()
def records() -> None:
    """Your identity records: ID cards, passports, licences, cards, accounts, notes."""


@records.command("ls")
@click.option("--kind", help="Only this kind, e.g. passport.")
@json_option
def records_ls(kind: str | None) -> None:
    """List records (secret fields masked)."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        found = coffer.records(kind=kind)
    emit([r.__dict__ for r in found], columns=COLUMNS, rows=[_row(r) for r in found])


@records.command("get")
@click.argument("record_id")
@click.option("--reveal", is_flag=True, help="Show secret fields unmasked (audited).")
@json_option
def records_get(record_id: str, reveal: bool) -> None:
    """Show one record."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        record = coffer.record(record_id, reveal=reveal)
    rows = [("label", record.label), ("kind", record.kind), ("etag", record.etag)]
    rows += [(name, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)
             for name, value in (record.data or {}).items()]
    emit(record.__dict__, columns=("field", "value"), rows=rows)


@records.command("add")
@click.argument("kind")
@click.option("--label", help="Your name for it (encrypted with it).")
@click.option("--data-file", default="-", show_default=True, help="JSON object of the kind's fields; - reads stdin.")
@json_option
def records_add(kind: str, label: str | None, data_file: str) -> None:
    """Add a record of KIND, its fields read as JSON (see docs/records.md)."""
    data = _read_data(data_file)
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        record = coffer.create_record(kind, data, label=label)
    emit(record.__dict__, columns=COLUMNS, rows=[_row(record)])


@records.command("edit")
@click.argument("record_id")
@click.option("--label", help="A new label.")
@click.option("--data-file", help="JSON object of fields to change (null removes one); - reads stdin.")
@click.option("--if-match", help="Change it only if its etag is still this one (default: as just read).")
@json_option
def records_edit(record_id: str, label: str | None, data_file: str | None, if_match: str | None) -> None:
    """Change a record's label or some of its fields; the others stay as they are."""
    data = _read_data(data_file) if data_file else None
    if label is None and data is None:
        fail("Nothing to change: give --label or --data-file.", 2)
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        etag = if_match or coffer.record(record_id).etag
        record = coffer.update_record(record_id, etag=etag, label=label, data=data)
    emit(record.__dict__, columns=COLUMNS, rows=[_row(record)])


@records.command("rm")
@click.argument("record_id")
@click.option("--if-match", help="Delete it only if its etag is still this one.")
def records_rm(record_id: str, if_match: str | None) -> None:
    """Delete a record (its files stay, detached; its grants end)."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        coffer.delete_record(record_id, etag=if_match)
    click.echo(f"Deleted {record_id}.")


@records.command("problems")
@click.argument("record_id")
@click.option("--dismiss", "dismiss_id", metavar="CORRECTION_ID", help="Mark this one resolved by hand.")
@json_option
def records_problems(record_id: str, dismiss_id: str | None) -> None:
    """What apps reported about a record (their messages, opened), or dismiss one."""
    with reported_errors(), state().coffer() as coffer, unlocked(coffer):
        if dismiss_id:
            coffer.dismiss_correction(record_id, dismiss_id)
        found = coffer.corrections(record_id)
    emit(found, columns=("id", "app", "about", "message", "state"),
         rows=[(c["id"], c["app"]["name"], c["field"] or (c["scan_role"] and f"{c['scan_role']} scan") or "the record",
                c["message"], c["state"]) for c in found])
