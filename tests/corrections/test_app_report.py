"""POST and GET /api/v1/apps/me/grants/{id}/corrections: an app reports problems with what
it received, over signed requests, and follows what became of them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from corrections.models import Correction
from sharing.models import Grant
from sharing.services import app_revoke

from .conftest import MESSAGE, corrections_url, create_grant, listed, report, report_ok


def test_it_takes_a_field_correction_and_lists_it_open(grant, app, alice_passport):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "date_of_expiry",
                                        "message": MESSAGE})
    assert body["state"] == "open" and body["reason"] is None and body["resolved_at"] is None
    assert (body["grant_id"], body["record_id"], body["field"], body["scan_role"]) == (
        grant["id"], alice_passport["id"], "date_of_expiry", None)
    row = Correction.objects.get()
    assert str(row.pk) == body["id"] and row.field == "date_of_expiry" and row.scan_role == ""
    assert [item["id"] for item in listed(app, grant["id"])] == [body["id"]]
    assert "message" not in listed(app, grant["id"])[0]


def test_it_takes_a_scan_role_and_a_whole_record_correction(grant, app, alice_passport):
    by_role = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "selfie",
                                           "message": "selfie is blurry"})
    whole = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": "This is not a passport."})
    assert (by_role["field"], by_role["scan_role"]) == (None, "selfie")
    assert (whole["field"], whole["scan_role"]) == (None, None)
    assert {row.about for row in Correction.objects.all()} == {"scan", "record"}


def test_it_audits_the_report_naming_the_app_and_never_the_message(grant, app, alice_passport, unlocked_alice):
    body = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "number", "message": MESSAGE})
    event = AuditEvent.objects.get(action="correction.report")
    assert event.actor_id is None and event.subject_user_id == unlocked_alice.user.pk
    assert event.target_kind == "correction" and event.target_id == body["id"]
    assert event.details == {"app_id": app.id, "grant_id": grant["id"], "record_id": alice_passport["id"],
                             "field": "number", "scan_role": None}
    assert "2034" not in str(event.details)


def test_it_mails_the_user_naming_the_app_only(grant, app, alice_passport, mailoutbox,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "date_of_expiry", "message": MESSAGE})
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.com"] and "Demo app" in mail.body
    for secret in (MESSAGE, "date_of_expiry", "2034", "C01X00T47", alice_passport["id"], "passport"):
        assert secret not in mail.body and secret not in mail.subject


# ---- refusals ----


def test_an_unsigned_request_answers_401(grant, alice_passport):
    response = APIClient().post(corrections_url(grant["id"]), {"record_id": alice_passport["id"], "message": "x"},
                                format="json")
    assert response.status_code == 401
    assert Correction.objects.count() == 0


def test_a_users_token_does_not_authenticate_it(grant, alice_passport, unlocked_alice):
    response = unlocked_alice.client.post(corrections_url(grant["id"]),
                                          {"record_id": alice_passport["id"], "message": "x"}, format="json")
    assert response.status_code == 401


def test_a_bad_signature_answers_401(grant, app, alice_passport):
    response = report(app, grant["id"], {"record_id": alice_passport["id"], "message": "x"},
                      HTTP_X_APP_SIGNATURE="A" * 86 + "==")
    assert response.status_code == 401


def test_another_apps_grant_answers_404(grant, other_app, alice_passport):
    response = report(other_app, grant["id"], {"record_id": alice_passport["id"], "message": "x"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert other_app.get(corrections_url(grant["id"])).status_code == 404
    assert Correction.objects.count() == 0


def test_an_unknown_or_malformed_grant_id_answers_404(app, alice_passport, grant):
    for grant_id in (uuid.uuid4(), "not-a-uuid"):
        assert report(app, grant_id, {"record_id": alice_passport["id"], "message": "x"}).status_code == 404


def test_a_revoked_grant_answers_404(grant, app, alice_passport, unlocked_alice):
    assert unlocked_alice.client.delete(f"/api/v1/grants/{grant['id']}/").status_code == 204
    assert report(app, grant["id"], {"record_id": alice_passport["id"], "message": "x"}).status_code == 404
    assert app.get(corrections_url(grant["id"])).status_code == 404


def test_an_expired_grant_answers_404(grant, app, alice_passport):
    Grant.objects.filter(pk=grant["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert report(app, grant["id"], {"record_id": alice_passport["id"], "message": "x"}).status_code == 404


def test_a_revoked_app_answers_403(grant, app, alice_passport):
    app_revoke(app=app.row, actor=None)
    assert report(app, grant["id"], {"record_id": alice_passport["id"], "message": "x"}).status_code == 403


def test_a_record_not_in_the_grant_answers_404_with_the_field(grant, app, unlocked_alice):
    from tests.sharing.conftest import create_record

    other = create_record(unlocked_alice, "bank_card")
    for record_id in (other["id"], str(uuid.uuid4())):
        response = report(app, grant["id"], {"record_id": record_id, "message": "x"})
        assert response.status_code == 404
        assert response.json()["code"] == "not_found" and "record_id" in response.json()["fields"]


def test_a_field_the_grant_does_not_share_answers_400(grant, app, alice_passport):
    response = report(app, grant["id"], {"record_id": alice_passport["id"], "field": "date_of_birth", "message": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "not_shared" and "field" in response.json()["fields"]


def test_a_scan_role_the_grant_does_not_share_answers_400(grant, app, alice_passport):
    response = report(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "back", "message": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "not_shared" and "scan_role" in response.json()["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "x" * 301}, "message"),
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "line\nbreak"}, "message"),
        ({"message": "bell\x07"}, "message"),
        ({"message": "c1\x85 next line"}, "message"),
        ({"message": "turns \u202e around"}, "message"),
        ({"message": "x", "scan_role": "tail"}, "scan_role"),
        ({"message": "x", "field": "number", "scan_role": "selfie"}, "scan_role"),
        ({"message": "x", "field": None}, "field"),
        ({"message": "x", "colour": "red"}, "colour"),
        ({}, "message"),
    ],
)
def test_bad_input_answers_400_with_the_field(grant, app, alice_passport, body, field):
    response = report(app, grant["id"], {"record_id": alice_passport["id"], **body})
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and field in response.json()["fields"]
    assert Correction.objects.count() == 0


def test_a_lone_surrogate_is_refused_not_a_500(grant, app, alice_passport):
    raw = ('{"record_id": "%s", "message": "bad \\ud800 text"}' % alice_passport["id"]).encode()
    from .conftest import signed_request

    response = signed_request("POST", corrections_url(grant["id"]), sign_key=app.sign_key, app_id=app.id, body=raw)
    assert response.status_code == 400


def test_a_message_of_300_characters_is_taken(grant, app, alice_passport):
    assert report(app, grant["id"], {"record_id": alice_passport["id"], "message": "é" * 300}).status_code == 201


@override_settings(COFFER_CORRECTIONS_MAX_OPEN=2)
def test_too_many_open_corrections_answer_409_until_one_is_resolved(grant, app, alice_passport, unlocked_alice):
    for n in range(2):
        report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": f"problem {n}"})
    response = report(app, grant["id"], {"record_id": alice_passport["id"], "message": "one more"})
    assert response.status_code == 409
    assert response.json()["code"] == "too_many_corrections" and response.json()["limit"] == 2
    assert Correction.objects.count() == 2
    first = Correction.objects.order_by("created_at").first()
    url = f"/api/v1/records/{alice_passport['id']}/corrections/{first.pk}/dismiss"
    assert unlocked_alice.client.post(url).status_code == 200
    assert report(app, grant["id"], {"record_id": alice_passport["id"], "message": "one more"}).status_code == 201


def test_the_limit_counts_per_grant(grant, app, alice_passport, unlocked_alice, settings):
    settings.COFFER_CORRECTIONS_MAX_OPEN = 1
    report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": "first grant"})
    second = create_grant(unlocked_alice, app, [{"record_id": alice_passport["id"], "fields": ["number"]}])
    report_ok(app, second["id"], {"record_id": alice_passport["id"], "message": "second grant"})


def test_reports_are_rate_limited_per_app(grant, app, other_app, alice_passport, unlocked_alice, settings):
    settings.COFFER_SHARING_THROTTLE_RATES = {**settings.COFFER_SHARING_THROTTLE_RATES, "app_corrections": "2/hour"}
    for n in range(2):
        report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": f"problem {n}"})
    response = report(app, grant["id"], {"record_id": alice_passport["id"], "message": "third"})
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    # Reading its corrections is not counted, and another app has its own budget.
    assert len(listed(app, grant["id"])) == 2
    theirs = create_grant(unlocked_alice, other_app, [{"record_id": alice_passport["id"], "fields": ["number"]}])
    report_ok(other_app, theirs["id"], {"record_id": alice_passport["id"], "message": "other app"})
