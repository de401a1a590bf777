"""POST /api/v1/grants/: a user shares chosen records, or chosen fields, with an app."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.scopes import RECORDS_READ, VAULT_MANAGE
from sharing.models import Grant, GrantItem

from .conftest import GRANTS_URL, create_grant, create_record, events, grant_body, in_days, user_sign_key


def test_it_shares_exactly_the_chosen_fields(unlocked_alice, app, alice_card, alice_passport):
    created = create_grant(unlocked_alice, app, [
        {"record_id": alice_card["id"], "fields": ["number", "holder"], "share_label": True},
        {"record_id": alice_passport["id"], "fields": ["surname"]},
    ])
    assert created["state"] == "live"
    assert created["app"] == {"id": app.id, "name": "Demo app"}
    assert created["items"] == [
        {"record_id": alice_card["id"], "fields": ["holder", "number"], "label_shared": True, "scans": []},
        {"record_id": alice_passport["id"], "fields": ["surname"], "label_shared": False, "scans": []},
    ]
    [served] = app.fetch()
    document = app.open_verified(served, user_sign_key(unlocked_alice))
    assert document["records"] == [
        {"id": alice_card["id"], "kind": "bank_card", "schema_version": 1, "label": "Everyday Visa",
         "fields": {"holder": "Alice Example", "number": "4242424242424242"}, "scans": []},
        # Its label ("My passport") is the owner's own words: not asked for, not sent.
        {"id": alice_passport["id"], "kind": "passport", "schema_version": 1, "label": "",
         "fields": {"surname": "Mustermann"}, "scans": []},
    ]


def test_the_document_names_the_grant_the_app_the_user_and_the_times(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": ["cvv"]}])
    [served] = app.fetch()
    document = app.open_verified(served, user_sign_key(unlocked_alice))
    grant = Grant.objects.get(id=created["id"])
    assert document["version"] == 2
    assert document["grant_id"] == created["id"] == served["id"]
    assert document["app_id"] == app.id
    assert document["user_id"] == unlocked_alice.user.pk == served["user_id"]
    assert document["issued_at"] == int(grant.issued_at.timestamp())
    assert document["expires_at"] == int(grant.expires_at.timestamp())
    assert grant.expires_at.microsecond == 0 and grant.issued_at.microsecond == 0


def test_null_or_absent_fields_share_every_field_the_record_holds(unlocked_alice, app, alice_card):
    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": None}])
    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    for served in app.fetch():
        document = app.open_verified(served, user_sign_key(unlocked_alice))
        assert document["records"][0]["fields"] == {
            "holder": "Alice Example", "number": "4242424242424242", "expiry_month": 12, "expiry_year": 2040,
            "cvv": "123",
        }


def test_a_grant_is_signed_by_the_users_key_and_nobody_elses(unlocked_alice, unlocked_bob, app, alice_card):
    from nacl.exceptions import BadSignatureError

    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": ["holder"]}])
    [served] = app.fetch()
    with pytest.raises(BadSignatureError):
        app.open_verified(served, user_sign_key(unlocked_bob))


def test_only_the_app_can_unseal_it(unlocked_alice, app, other_app, alice_card):
    from nacl.exceptions import CryptoError

    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": ["holder"]}])
    [served] = app.fetch()
    assert other_app.fetch() == []
    with pytest.raises(CryptoError):
        other_app.open(served)


def test_it_is_audited_without_any_value(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": ["number"]}])
    [event] = events("grant.create")
    assert (event.target_kind, event.target_id, event.actor, event.subject_user_id) == (
        "grant", created["id"], unlocked_alice.user, unlocked_alice.user.pk,
    )
    assert event.details["app_id"] == app.id
    assert event.details["record_ids"] == [alice_card["id"]]
    assert "4242" not in str(event.details)


def test_a_locked_vault_answers_423(unlocked_alice, app, alice_card):
    unlocked_alice.client.post("/api/v1/vault/lock")
    response = unlocked_alice.client.post(GRANTS_URL, grant_body(app, [{"record_id": alice_card["id"]}]), format="json")
    assert response.status_code == 423
    assert Grant.objects.count() == 0


def test_another_users_record_answers_404(unlocked_bob, app, alice_card):
    response = unlocked_bob.client.post(GRANTS_URL, grant_body(app, [{"record_id": alice_card["id"]}]), format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and "items" in response.json()["fields"]
    assert Grant.objects.count() == 0 and events("grant.create") == []


def test_an_unknown_record_answers_404(unlocked_alice, app):
    body = grant_body(app, [{"record_id": "00000000-0000-4000-8000-000000000000"}])
    assert unlocked_alice.client.post(GRANTS_URL, body, format="json").status_code == 404


def test_a_pending_revoked_or_unknown_app_answers_404(unlocked_alice, register_app, alice_card):
    from sharing.services import app_revoke

    pending = register_app(approve=False)
    revoked = register_app(name="Revoked")
    app_revoke(app=revoked.row, actor=None)
    for app_id in (pending.id, revoked.id, "00000000-0000-4000-8000-000000000000"):
        body = {"app_id": app_id, "items": [{"record_id": alice_card["id"]}], "expires_at": in_days(1)}
        response = unlocked_alice.client.post(GRANTS_URL, body, format="json")
        assert response.status_code == 404, app_id
        assert "app_id" in response.json()["fields"]


def test_a_field_the_kind_does_not_have_answers_400(unlocked_alice, app, alice_card, alice_passport):
    response = unlocked_alice.client.post(GRANTS_URL, grant_body(app, [
        {"record_id": alice_passport["id"], "fields": ["surname"]},
        {"record_id": alice_card["id"], "fields": ["holder", "brand", "pin"]},
    ]), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["items"] == [
        {},
        {"fields": ["'brand' is not a field of a bank_card record.", "'pin' is not a field of a bank_card record."]},
    ]


def test_a_field_the_record_does_not_hold_answers_400(unlocked_alice, app):
    from tests.records.samples import valid

    card = create_record(unlocked_alice, "bank_card", data=valid("bank_card", cvv=None))
    response = unlocked_alice.client.post(
        GRANTS_URL, grant_body(app, [{"record_id": card["id"], "fields": ["cvv"]}]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["items"] == [{"fields": ["This record has no value for 'cvv'."]}]


@pytest.mark.parametrize(
    "items, message_part",
    [
        ([], "at least one"),
        ("dup", "once"),
        ([{"record_id": "nope"}], "UUID"),
        ([{"record_id": "00000000-0000-4000-8000-000000000000", "fields": []}], "at least 1"),
        ([{"record_id": "00000000-0000-4000-8000-000000000000", "fields": ["a", "a"]}], "once"),
        ([{"record_id": "00000000-0000-4000-8000-000000000000", "extra": 1}], "Unknown"),
    ],
)
def test_bad_items_answer_400(unlocked_alice, app, alice_card, items, message_part):
    if items == "dup":
        items = [{"record_id": alice_card["id"]}, {"record_id": alice_card["id"]}]
    response = unlocked_alice.client.post(GRANTS_URL, grant_body(app, items), format="json")
    assert response.status_code == 400, response.content
    assert message_part in str(response.json()["fields"]["items"])


@pytest.mark.parametrize("expires_at", ["past", "soon", "too_far", "not a date"])
def test_an_expiry_out_of_bounds_answers_400(unlocked_alice, app, alice_card, expires_at):
    now = timezone.now()
    value = {
        "past": (now - timedelta(minutes=1)).isoformat(),
        "soon": (now + timedelta(seconds=30)).isoformat(),
        "too_far": (now + timedelta(days=366)).isoformat(),
        "not a date": "next tuesday",
    }[expires_at]
    body = grant_body(app, [{"record_id": alice_card["id"]}], expires_at=value)
    response = unlocked_alice.client.post(GRANTS_URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"expires_at"}


def test_it_needs_vault_manage_and_records_read(unlocked_alice, app, alice_card):
    body = grant_body(app, [{"record_id": alice_card["id"]}])
    assert unlocked_alice.with_scopes(RECORDS_READ).post(GRANTS_URL, body, format="json").status_code == 403
    response = unlocked_alice.with_scopes(VAULT_MANAGE).post(GRANTS_URL, body, format="json")
    assert response.status_code == 403 and "records:read" in response.json()["detail"]
    assert Grant.objects.count() == 0
    assert unlocked_alice.with_scopes(VAULT_MANAGE, RECORDS_READ).post(GRANTS_URL, body, format="json").status_code == 201


def test_the_server_keeps_only_sealed_bytes_and_field_names(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": ["number"]}])
    grant = Grant.objects.get(id=created["id"])
    assert b"4242" not in bytes(grant.sealed_grant)
    assert list(GrantItem.objects.filter(grant=grant).values_list("fields", flat=True)) == [["number"]]
