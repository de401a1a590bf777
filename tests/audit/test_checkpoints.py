"""Signed checkpoints: made only over a verified chain, checked on every walk."""

import pytest
from nacl.signing import VerifyKey

from audit import tasks
from audit.checkpoints import (
    CHECKPOINT_PURPOSE, INVALID, KEY_RETIRED, VALID, ChainBroken, checkpoint_bytes, checkpoint_create,
    checkpoint_signature_state,
)
from audit.hashing import event_hash
from audit.models import AuditChainHead, AuditEvent, Checkpoint
from audit.services import event_fields
from audit.verification import BAD_SIGNATURE, CHECKPOINT_MISMATCH, MISSING, audit_verify
from vault.keyring import get_key_provider

from tests.support.tampering import tampering


def test_a_checkpoint_signs_the_chain_head(append):
    append(5)
    checkpoint = checkpoint_create()
    head = AuditChainHead.objects.get()
    assert (checkpoint.last_event_id, checkpoint.last_hash) == (head.last_event_id, head.last_hash)
    assert checkpoint.key_version == get_key_provider().current_version
    public_key = get_key_provider().verify_key(checkpoint.key_version, purpose=CHECKPOINT_PURPOSE)
    VerifyKey(public_key).verify(checkpoint_bytes(checkpoint), bytes.fromhex(checkpoint.signature))
    assert checkpoint_signature_state(checkpoint) == VALID


def test_the_signing_key_differs_per_purpose_and_version():
    provider = get_key_provider()
    keys = {provider.verify_key(v, purpose=p) for v in provider.versions for p in (CHECKPOINT_PURPOSE, "other")}
    assert len(keys) == 2 * len(provider.versions)
    with pytest.raises(KeyError):
        provider.verify_key(99, purpose=CHECKPOINT_PURPOSE)


def test_nothing_new_to_sign_returns_the_last_checkpoint(append):
    append(2)
    first = checkpoint_create()
    assert checkpoint_create() == first
    append(1)
    assert checkpoint_create().last_event_id == first.last_event_id + 1
    assert Checkpoint.objects.count() == 2


def test_an_empty_chain_gets_no_checkpoint(db):
    assert checkpoint_create() is None


def test_a_walk_confirms_the_chain_up_to_the_last_checkpoint(append):
    append(4)
    checkpoint = checkpoint_create()
    append(3)
    report = audit_verify()
    assert report.ok and report.checkpoint == checkpoint
    assert report.uncovered == 3
    assert f"Signed checkpoint #{checkpoint.pk} at event {checkpoint.last_event_id}" in report.summary()


def test_no_checkpoint_is_signed_over_a_broken_chain(append):
    events = append(4)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [events[1].pk])
    with pytest.raises(ChainBroken, match=f"event {events[1].pk} was altered"):
        checkpoint_create()
    assert not Checkpoint.objects.exists()


def test_a_rewritten_history_no_longer_matches_its_signed_checkpoint(append):
    append(5)
    checkpoint = checkpoint_create()
    # An attacker rewrites every event's details and recomputes the whole chain and the head.
    with tampering() as cursor:
        prev = "0" * 64
        for event in AuditEvent.objects.order_by("id"):
            event.details = {"rewritten": True}
            event.prev_hash = prev
            event.hash = event_hash(prev, event_fields(event))
            cursor.execute("UPDATE audit_auditevent SET details = %s, prev_hash = %s, hash = %s WHERE id = %s",
                           ['{"rewritten": true}', event.prev_hash, event.hash, event.pk])
            prev = event.hash
        AuditChainHead.objects.update(last_hash=prev)
    report = audit_verify()
    assert report.problem.kind == CHECKPOINT_MISMATCH and report.problem.checkpoint_id == checkpoint.pk


def test_a_cut_off_tail_is_caught_by_the_checkpoint_even_with_the_head_rewound(append):
    events = append(6)
    checkpoint_create()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].pk])
    AuditChainHead.objects.update(last_event_id=events[2].pk, last_hash=events[2].hash)
    report = audit_verify()
    assert report.problem.kind == MISSING and report.problem.missing_from == events[3].pk


def test_a_forged_checkpoint_signature_is_reported(append):
    append(3)
    checkpoint = checkpoint_create()
    forged = bytes.fromhex(checkpoint.signature)
    forged = bytes([forged[0] ^ 1]) + forged[1:]
    with tampering() as cursor:
        cursor.execute("UPDATE audit_checkpoint SET signature = %s WHERE id = %s", [forged.hex(), checkpoint.pk])
    checkpoint.refresh_from_db()
    assert checkpoint_signature_state(checkpoint) == INVALID
    assert audit_verify().problem.kind == BAD_SIGNATURE


def test_a_checkpoint_on_a_retired_key_is_reported_but_not_a_break(append):
    append(2)
    checkpoint = checkpoint_create()
    with tampering() as cursor:
        cursor.execute("UPDATE audit_checkpoint SET key_version = 99 WHERE id = %s", [checkpoint.pk])
    checkpoint.refresh_from_db()
    assert checkpoint_signature_state(checkpoint) == KEY_RETIRED
    report = audit_verify()
    assert report.ok and report.checkpoints_on_retired_keys == [checkpoint.pk] and report.checkpoint is None


def test_the_beat_task_signs_a_checkpoint(append):
    append(2)
    tasks.checkpoint_create()
    assert Checkpoint.objects.count() == 1


def test_the_beat_task_swallows_a_broken_chain_and_signs_nothing(append):
    events = append(2)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    tasks.checkpoint_create()
    assert not Checkpoint.objects.exists()
