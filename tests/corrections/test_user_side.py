"""The user's side over the API: a record's corrections with the messages opened, and
dismissing one by hand."""

from __future__ import annotations

import uuid

from audit.models import AuditEvent
from corrections.models import Correction

from .conftest import MESSAGE, dismiss_url, listed, record_corrections_url, report_ok


def test_it_lists_a_records_corrections_newest_first_with_their_messages(grant, app, alice_passport, unlocked_alice):
    first = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "number", "message": MESSAGE})
    second = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "selfie",
                                          "message": "selfie is blurry"})
    response = unlocked_alice.client.get(record_corrections_url(alice_passport["id"]))
    assert response.status_code == 200
    items = response.json()["results"]
    assert [item["id"] for item in items] == [second["id"], first["id"]]
    assert items[0]["message"] == "selfie is blurry" and items[0]["scan_role"] == "selfie"
    assert items[1]["message"] == MESSAGE and items[1]["field"] == "number"
    assert items[1]["app"] == {"id": app.id, "name": "Demo app"} and items[1]["grant_id"] == grant["id"]


def test_a_locked_vault_answers_423(grant, app, alice_passport, unlocked_alice):
    report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": MESSAGE})
    response = unlocked_alice.with_secret(None).get(record_corrections_url(alice_passport["id"]))
    assert response.status_code == 423


def test_another_user_gets_404_for_the_list_and_the_dismiss(grant, app, alice_passport, unlocked_bob):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": MESSAGE})
    assert unlocked_bob.client.get(record_corrections_url(alice_passport["id"])).status_code == 404
    assert unlocked_bob.client.post(dismiss_url(alice_passport["id"], body["id"])).status_code == 404
    assert Correction.objects.get().state == "open"


def test_dismissing_resolves_it_for_the_app_and_is_audited(grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "number", "message": MESSAGE})
    response = unlocked_alice.client.post(dismiss_url(alice_passport["id"], body["id"]))
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["reason"]) == ("resolved", "dismissed")
    seen = listed(app, grant["id"])[0]
    assert (seen["state"], seen["reason"]) == ("resolved", "dismissed")
    event = AuditEvent.objects.get(action="correction.dismiss")
    assert event.actor_id == unlocked_alice.user.pk and event.target_id == body["id"]
    assert event.details == {"grant_id": grant["id"], "record_id": alice_passport["id"], "field": "number",
                             "scan_role": None}
    # Again: answered as it is, and not audited twice.
    again = unlocked_alice.client.post(dismiss_url(alice_passport["id"], body["id"]))
    assert again.status_code == 200 and again.json()["resolved_at"] == response.json()["resolved_at"]
    assert AuditEvent.objects.filter(action="correction.dismiss").count() == 1


def test_dismissing_needs_no_unlocked_vault(grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": MESSAGE})
    response = unlocked_alice.with_secret(None).post(dismiss_url(alice_passport["id"], body["id"]))
    assert response.status_code == 200


def test_a_correction_is_dismissed_only_through_its_own_record(grant, app, alice_passport, unlocked_alice):
    from tests.sharing.conftest import create_record

    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": MESSAGE})
    other = create_record(unlocked_alice, "bank_card")
    for url in (dismiss_url(other["id"], body["id"]), dismiss_url(alice_passport["id"], uuid.uuid4()),
                dismiss_url(alice_passport["id"], "nope")):
        assert unlocked_alice.client.post(url).status_code == 404
    assert Correction.objects.get().state == "open"


def test_a_token_without_records_write_cannot_dismiss(grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": MESSAGE})
    reader = unlocked_alice.with_scopes("records:read")
    assert reader.get(record_corrections_url(alice_passport["id"])).status_code == 200
    assert reader.post(dismiss_url(alice_passport["id"], body["id"])).status_code == 403
