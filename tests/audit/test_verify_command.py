"""manage.py verify_audit: names the first broken or missing link, or confirms the chain."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from audit.checkpoints import audit_public_keys, checkpoint_create
from audit.models import AuditEvent, Checkpoint

from tests.support.tampering import tampering


def _run(*args) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def test_it_confirms_an_intact_chain_up_to_the_last_signed_checkpoint(append):
    append(5)
    checkpoint = checkpoint_create()
    append(2)
    output = _run()
    assert "Intact" in output
    assert f"Last signed checkpoint: #{checkpoint.pk} at event {checkpoint.last_event_id}" in output
    assert "signature valid" in output and "2 later events are not yet under a checkpoint" in output


def test_it_records_each_run_as_an_event(append):
    append(1)
    _run()
    event = AuditEvent.objects.get(action="audit.verify")
    assert event.outcome == "success" and event.details["ok"] is True
    _run("--no-record")
    assert AuditEvent.objects.filter(action="audit.verify").count() == 1


def test_it_names_an_altered_event_and_fails(append):
    victim = append(8)[5]
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET target_id = 'elsewhere' WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"event {victim.pk} was altered"):
        _run()
    assert AuditEvent.objects.filter(action="audit.verify", outcome="failure").exists()


def test_it_names_the_gap_a_deleted_event_leaves(append):
    victim = append(8)[2]
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"event {victim.pk} is missing"):
        _run("--no-record")


def test_it_prints_the_checkpoint_verify_keys(db):
    output = _run("--public-keys")
    for version, key in audit_public_keys().items():
        assert f"v{version} ed25519 {key.hex()}" in output


def test_it_can_sign_a_checkpoint_after_a_clean_walk(append):
    append(3)
    output = _run("--checkpoint", "--no-record")
    checkpoint = Checkpoint.objects.get()
    assert f"Checkpoint #{checkpoint.pk} signed at event {checkpoint.last_event_id}" in output


def test_it_prints_json_when_asked(append):
    append(2)
    report = json.loads(_run("--json", "--no-record"))
    assert report["ok"] is True and report["events_checked"] == report["last_event_id"]
