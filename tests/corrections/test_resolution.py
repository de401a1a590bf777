"""A correction resolves when what it is about changes, in the same transaction as the
change: a field by a new value of that field, a scan role by a new or detached scan of
that role, the whole record by any change."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from corrections.models import Correction
from tests.files.conftest import pdf
from tests.files.test_scan_roles import put_scan, scans_url

from .conftest import listed, patch_record, report_ok

pytestmark = pytest.mark.usefixtures("fs_backend")


def _state(correction_id) -> tuple[str, str]:
    row = Correction.objects.get(pk=correction_id)
    return row.state, row.resolved_reason


def test_a_field_correction_resolves_when_that_field_changes(grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "surname", "message": "typo"})
    patch_record(unlocked_alice, alice_passport["id"], data={"surname": "Musterfrau", "mrz": None})
    assert _state(body["id"]) == ("resolved", "changed")
    seen = listed(app, grant["id"])[0]
    assert (seen["state"], seen["reason"]) == ("resolved", "changed") and seen["resolved_at"]
    event = AuditEvent.objects.get(action="correction.resolve")
    assert event.actor_id == unlocked_alice.user.pk and event.target_id == body["id"]
    assert event.details["reason"] == "changed" and event.details["field"] == "surname"
    assert "Musterfrau" not in str(event.details)


def test_a_field_correction_stays_open_when_another_field_changes(grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "surname", "message": "typo"})
    patch_record(unlocked_alice, alice_passport["id"], data={"given_names": "Erika Maria", "mrz": None})
    patch_record(unlocked_alice, alice_passport["id"], label="Renamed passport")
    assert _state(body["id"]) == ("open", "")
    assert not AuditEvent.objects.filter(action="correction.resolve").exists()


def test_saving_the_same_value_again_resolves_nothing(grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "surname", "message": "typo"})
    whole = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": "check it all"})
    patch_record(unlocked_alice, alice_passport["id"], data={"surname": "Mustermann"})
    assert _state(body["id"]) == ("open", "") and _state(whole["id"]) == ("open", "")


def test_a_whole_record_correction_resolves_on_any_change(grant, app, alice_passport, unlocked_alice):
    whole = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": "check it all"})
    by_field = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "number", "message": "n"})
    patch_record(unlocked_alice, alice_passport["id"], label="Renamed passport")
    assert _state(whole["id"]) == ("resolved", "changed")
    assert _state(by_field["id"]) == ("open", "")


def test_a_scan_correction_resolves_when_the_scan_of_its_role_is_replaced(grant, app, alice_passport, unlocked_alice):
    client = unlocked_alice.client
    assert put_scan(client, alice_passport["id"], "selfie", pdf(5000)).status_code == 201
    assert put_scan(client, alice_passport["id"], "front", pdf(5000)).status_code == 201
    selfie = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "selfie",
                                          "message": "selfie is blurry"})
    front = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "front", "message": "dark"})
    by_field = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "number", "message": "n"})
    assert put_scan(client, alice_passport["id"], "selfie", pdf(6000), method="PUT").status_code == 201
    assert _state(selfie["id"]) == ("resolved", "changed")
    assert _state(front["id"]) == ("open", "") and _state(by_field["id"]) == ("open", "")
    assert AuditEvent.objects.get(action="correction.resolve").details["scan_role"] == "selfie"


def test_a_scan_correction_resolves_when_the_scan_is_detached(grant, app, alice_passport, unlocked_alice):
    client = unlocked_alice.client
    scan = put_scan(client, alice_passport["id"], "front", pdf(5000)).json()
    front = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "front", "message": "dark"})
    assert client.delete(scans_url(alice_passport["id"], f"{scan['id']}/")).status_code == 204
    assert _state(front["id"]) == ("resolved", "changed")


def test_a_scan_correction_resolves_when_the_scan_is_deleted(grant, app, alice_passport, unlocked_alice):
    client = unlocked_alice.client
    scan = put_scan(client, alice_passport["id"], "front", pdf(5000)).json()
    front = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "front", "message": "dark"})
    selfie = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "selfie", "message": "no"})
    assert client.delete(f"/api/v1/files/{scan['id']}/").status_code == 204
    assert _state(front["id"]) == ("resolved", "changed") and _state(selfie["id"]) == ("open", "")


def test_a_failed_change_resolves_nothing(grant, app, alice_passport, unlocked_alice):
    """The resolution is part of the change's transaction: a change refused (here a second
    front scan without replace) leaves the correction open."""
    client = unlocked_alice.client
    assert put_scan(client, alice_passport["id"], "front", pdf(5000)).status_code == 201
    front = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "front", "message": "dark"})
    assert put_scan(client, alice_passport["id"], "front", pdf(5000)).status_code == 409
    assert _state(front["id"]) == ("open", "")


def test_deleting_the_record_deletes_its_corrections(grant, app, alice_passport, unlocked_alice):
    report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": "check it all"})
    assert unlocked_alice.client.delete(f"/api/v1/records/{alice_passport['id']}/").status_code == 204
    assert Correction.objects.count() == 0
