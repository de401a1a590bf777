"""Exports carry the hashes, and docs/audit.md's standalone checker verifies them."""

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from audit.checkpoints import audit_public_keys, checkpoint_create
from audit.export import ExportQuery, audit_export_lines
from audit.models import AuditEvent
from audit.services import audit_record

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


@pytest.fixture(scope="module")
def checker() -> dict:
    """The program from docs/audit.md §7, exactly as written there."""
    text = DOCS.read_text()
    code = re.search(r"<!-- verify-export.py -->\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(DOCS), "exec"), namespace)
    return namespace


@pytest.fixture
def history(db):
    users = get_user_model().objects
    alice = users.create_user(username="alice", password="x" * 12)
    bob = users.create_user(username="bob", password="x" * 12)
    for n in range(6):
        audit_record(action="test.alice", actor=alice, target_kind="thing", target_id=n, details={"ü": n})
        audit_record(action="test.bob", actor=bob, target_kind="thing", target_id=n)
    checkpoint_create()
    audit_record(action="test.alice", actor=alice, details={"after": "checkpoint"})
    return alice, bob


def _export(tmp_path, fmt: str, query: ExportQuery) -> Path:
    path = tmp_path / f"export.{fmt}"
    path.write_text("".join(audit_export_lines(query, fmt)), encoding="utf-8")
    return path


def _keys() -> dict:
    return audit_public_keys()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_unfiltered_export_checks_out_with_the_documented_program(checker, history, tmp_path, fmt):
    path = _export(tmp_path, fmt, ExportQuery())
    reader = checker["read_jsonl"] if fmt == "jsonl" else checker["read_csv"]
    records = list(reader(path))
    assert sum(r["type"] == "event" for r in records) == AuditEvent.objects.count()
    # The periodic checkpoint, and the one the exporter signed at the last row.
    assert [r["last_event_id"] for r in records if r["type"] == "checkpoint"] == [12, 13]
    assert records[-1]["last_event_id"] == max(r["fields"]["id"] for r in records if r["type"] == "event")
    assert checker["check_export"](records, _keys(), contiguous=True) == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_filtered_by_user_checks_each_event_but_not_links(checker, history, tmp_path, fmt):
    alice, _ = history
    path = _export(tmp_path, fmt, ExportQuery(user_id=alice.pk))
    reader = checker["read_jsonl"] if fmt == "jsonl" else checker["read_csv"]
    records = list(reader(path))
    assert {r["fields"]["actor_label"] for r in records if r["type"] == "event"} == {"alice"}
    assert checker["check_export"](records, _keys(), contiguous=False) == []
    assert checker["check_export"](records, _keys(), contiguous=True) != []  # gaps where bob's events were


def test_a_changed_line_is_named_by_the_documented_program(checker, history, tmp_path):
    path = _export(tmp_path, "jsonl", ExportQuery())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    record = json.loads(lines[3])
    record["fields"]["outcome"] = "failure"
    lines[3] = json.dumps(record) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    problems = checker["check_export"](checker["read_jsonl"](path), _keys(), contiguous=True)
    assert f"event {record['fields']['id']} was altered" in problems


def test_a_dropped_line_is_named_in_a_contiguous_export(checker, history, tmp_path):
    path = _export(tmp_path, "jsonl", ExportQuery())
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = json.loads(lines.pop(4))["fields"]["id"]
    path.write_text("".join(lines), encoding="utf-8")
    problems = checker["check_export"](checker["read_jsonl"](path), _keys(), contiguous=True)
    assert f"events {dropped} to {dropped} are missing" in problems


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_without_its_checkpoints_is_refused(checker, history, tmp_path, fmt):
    path = _export(tmp_path, fmt, ExportQuery())
    reader = checker["read_jsonl"] if fmt == "jsonl" else checker["read_csv"]
    events = [r for r in reader(path) if r["type"] == "event"]
    assert checker["check_export"](events, _keys(), contiguous=True) == ["the export holds no checkpoint"]
    assert checker["check_export"](events, _keys(), contiguous=False) == ["the export holds no checkpoint"]


def test_an_export_whose_last_rows_are_not_under_a_checkpoint_is_refused(checker, history, tmp_path):
    records = list(checker["read_jsonl"](_export(tmp_path, "jsonl", ExportQuery())))
    # Cut the last event with its checkpoint, and make one more up after the periodic checkpoint.
    kept = [r for r in records if not (r["type"] == "checkpoint" and r["last_event_id"] == 13)]
    assert checker["check_export"](kept, _keys(), contiguous=True) == [
        "no valid checkpoint covers the last event, 13"]
    forged_tail = [r for r in kept if r["type"] == "event"]
    forged_tail[-1]["fields"]["outcome"] = "failure"
    problems = checker["check_export"](forged_tail + [r for r in kept if r["type"] == "checkpoint"], _keys(), True)
    assert "no valid checkpoint covers the last event, 13" in problems


def test_a_forged_checkpoint_at_the_last_row_does_not_count_as_cover(checker, history, tmp_path):
    records = list(checker["read_jsonl"](_export(tmp_path, "jsonl", ExportQuery())))
    records[-1]["signature"] = "00" * 64
    problems = checker["check_export"](records, _keys(), contiguous=True)
    assert "no valid checkpoint covers the last event, 13" in problems


def test_exporting_signs_the_last_row_once(history):
    from audit.models import Checkpoint

    list(audit_export_lines(ExportQuery(), "jsonl"))
    list(audit_export_lines(ExportQuery(), "jsonl"))
    assert list(Checkpoint.objects.order_by("last_event_id").values_list("last_event_id", flat=True)) == [12, 13]


def test_a_forged_checkpoint_in_an_export_is_named(checker, history, tmp_path):
    path = _export(tmp_path, "jsonl", ExportQuery())
    records = list(checker["read_jsonl"](path))
    checkpoint = next(r for r in records if r["type"] == "checkpoint")
    checkpoint["last_event_id"] -= 1
    problems = checker["check_export"](records, _keys(), contiguous=True)
    assert any("signature does not verify" in p for p in problems)


def test_the_date_range_is_inclusive_then_exclusive(history):
    first = AuditEvent.objects.order_by("id").first()
    query = ExportQuery(start=first.created_at, end=first.created_at + timedelta(microseconds=1))
    lines = list(audit_export_lines(query, "jsonl"))
    records = [json.loads(line) for line in lines]
    assert [r["fields"]["id"] for r in records if r["type"] == "event"] == [first.pk]
    assert [r["last_event_id"] for r in records if r["type"] == "checkpoint"] == [first.pk]
    future = ExportQuery(start=timezone.now() + timedelta(days=1))
    assert list(audit_export_lines(future, "jsonl")) == []


def test_the_csv_has_the_documented_columns(history):
    rows = list(csv.reader(io.StringIO("".join(audit_export_lines(ExportQuery(), "csv")))))
    assert rows[0] == ["type", "id", "created_at", "actor_id", "actor_label", "subject_user_id", "action", "outcome",
                       "ip_address", "target_kind", "target_id", "details", "prev_hash", "hash", "last_event_id",
                       "key_version", "signature", "public_key"]


def test_export_audit_writes_a_file_and_is_itself_audited(checker, history, tmp_path):
    alice, _ = history
    out = tmp_path / "alice.jsonl"
    call_command("export_audit", "--user", "alice", "--from", "2000-01-01", "--format", "jsonl", "-o", str(out))
    records = list(checker["read_jsonl"](out))
    assert records and checker["check_export"](records, _keys(), contiguous=False) == []
    event = AuditEvent.objects.filter(action="audit.export").get()
    assert event.details["user_id"] == alice.pk and event.details["format"] == "jsonl"


def test_export_audit_writes_csv_to_standard_output(history):
    out = io.StringIO()
    call_command("export_audit", "--format", "csv", stdout=out)
    assert out.getvalue().startswith("type,id,created_at,")
