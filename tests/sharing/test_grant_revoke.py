"""DELETE /api/v1/grants/{id}/: revocation is immediate and audited."""

from accounts.scopes import RECORDS_READ

from sharing.models import Grant

from .conftest import create_grant, events, grant_url


def test_it_revokes_at_once_and_the_app_is_no_longer_served(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    assert len(app.fetch()) == 1
    response = unlocked_alice.client.delete(grant_url(created["id"]))
    assert response.status_code == 204
    assert app.fetch() == []
    grant = Grant.objects.get(id=created["id"])
    assert grant.revoked_at is not None
    assert bytes(grant.sealed_grant) == b""


def test_it_is_audited(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    unlocked_alice.client.delete(grant_url(created["id"]))
    [event] = events("grant.revoke")
    assert (event.target_id, event.actor, event.subject_user_id) == (created["id"], unlocked_alice.user, unlocked_alice.user.pk)
    assert event.details == {"app_id": app.id, "reason": "user"}


def test_revoking_twice_is_harmless_and_audited_once(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    assert unlocked_alice.client.delete(grant_url(created["id"])).status_code == 204
    assert unlocked_alice.client.delete(grant_url(created["id"])).status_code == 204
    assert len(events("grant.revoke")) == 1


def test_it_works_on_a_locked_vault(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    unlocked_alice.client.post("/api/v1/vault/lock")
    assert unlocked_alice.client.delete(grant_url(created["id"])).status_code == 204
    assert app.fetch() == []


def test_another_user_cannot_revoke_it(unlocked_alice, unlocked_bob, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    assert unlocked_bob.client.delete(grant_url(created["id"])).status_code == 404
    assert len(app.fetch()) == 1
    assert events("grant.revoke") == []


def test_it_needs_vault_manage(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    assert unlocked_alice.with_scopes(RECORDS_READ).delete(grant_url(created["id"])).status_code == 403
    assert len(app.fetch()) == 1


def test_deleting_a_shared_record_revokes_its_grants(unlocked_alice, app, alice_card, alice_passport):
    with_card = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}, {"record_id": alice_passport["id"]}])
    without_card = create_grant(unlocked_alice, app, [{"record_id": alice_passport["id"]}])
    assert unlocked_alice.client.delete(f"/api/v1/records/{alice_card['id']}/").status_code == 204
    assert [served["id"] for served in app.fetch()] == [without_card["id"]]
    [event] = events("grant.revoke")
    assert event.target_id == with_card["id"] and event.details["reason"] == "record_deleted"
