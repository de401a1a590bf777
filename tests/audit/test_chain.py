"""The hash chain: intact chains verify, and an altered or deleted row is named."""

import uuid
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction

from audit.hashing import event_hash
from audit.models import AuditChainHead, AuditEvent
from audit.services import audit_record, event_fields
from audit.verification import ALTERED, MISSING, audit_verify

from tests.support.tampering import tampering


def _request(ip: str):
    return SimpleNamespace(META={"REMOTE_ADDR": ip}, user=None)


def test_an_untouched_chain_verifies(append):
    append(25)
    report = audit_verify()
    assert report.ok, report.summary()
    assert report.events_checked == AuditEvent.objects.count() == report.last_event_id
    assert "Intact" in report.summary()


def test_an_empty_chain_verifies(db):
    assert audit_verify().ok


def test_each_event_links_to_the_one_before(append):
    first, second, third = append(3)
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert AuditChainHead.objects.get().last_hash == third.hash


def test_an_altered_field_names_the_event(append):
    events = append(10)
    victim = events[4]
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET outcome = 'failure' WHERE id = %s", [victim.pk])
    report = audit_verify()
    assert not report.ok
    assert report.problem.kind == ALTERED and report.problem.event_id == victim.pk
    assert f"event {victim.pk} was altered" in report.summary()


def test_an_altered_event_with_a_recomputed_hash_is_named_by_the_broken_link(append):
    events = append(10)
    victim = AuditEvent.objects.get(pk=events[4].pk)
    victim.details = {"n": "forged"}
    forged_hash = event_hash(victim.prev_hash, event_fields(victim))
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET details = %s, hash = %s WHERE id = %s",
                       ['{"n": "forged"}', forged_hash, victim.pk])
    report = audit_verify()
    assert report.problem.kind == ALTERED and report.problem.event_id == victim.pk


def test_the_last_event_altered_with_a_recomputed_hash_is_named_by_the_chain_head(append):
    last = append(5)[-1]
    last.action = "test.forged"
    forged_hash = event_hash(last.prev_hash, event_fields(last))
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = %s, hash = %s WHERE id = %s",
                       ["test.forged", forged_hash, last.pk])
    report = audit_verify()
    assert report.problem.kind == ALTERED and report.problem.event_id == last.pk


def test_a_deleted_event_names_the_gap(append):
    events = append(10)
    victim = events[6]
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    report = audit_verify()
    assert report.problem.kind == MISSING
    assert (report.problem.missing_from, report.problem.missing_to) == (victim.pk, victim.pk)
    assert f"event {victim.pk} is missing (deleted)" in report.summary()


def test_several_deleted_events_name_the_whole_gap(append):
    events = append(10)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id BETWEEN %s AND %s", [events[2].pk, events[4].pk])
    report = audit_verify()
    assert f"events {events[2].pk} to {events[4].pk} are missing" in report.summary()


def test_a_deleted_first_event_is_named(append):
    append(3)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = 1")
    assert audit_verify().problem.missing_from == 1


def test_a_deleted_last_event_is_named_against_the_chain_head(append):
    last = append(5)[-1]
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    report = audit_verify()
    assert report.problem.kind == MISSING and report.problem.missing_from == last.pk


def test_the_database_refuses_to_change_or_delete_an_event(append):
    event = append(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(outcome="failure")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert audit_verify().ok


def test_deleting_a_user_keeps_their_events_and_the_chain_valid(db):
    user = get_user_model().objects.create_user(username="leaving", password="x" * 12)
    event = audit_record(action="test.by_user", actor=user)
    user_id = user.pk
    user.delete()
    event.refresh_from_db()
    assert event.actor_id == user_id and event.actor_label == "leaving"
    assert audit_verify().ok


@pytest.mark.parametrize("ip", ["203.0.113.9", "::ffff:203.0.113.9", "2001:0DB8::0001", "::1.2.3.4", "fe80::1%eth0"])
def test_events_from_any_address_still_verify_after_the_database_round_trip(db, ip):
    audit_record(action="test.ip", request=_request(ip))
    assert audit_verify().ok


def test_details_are_hashed_as_the_database_gives_them_back(db):
    audit_record(action="test.details", details={"id": uuid.uuid4(), "day": date(2026, 1, 31), "n": [1, "ü"]})
    assert audit_verify().ok
