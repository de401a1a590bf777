"""GET /api/v1/grants/ and /api/v1/grants/{id}/: a user's own grants, metadata only."""

from datetime import timedelta

from django.utils import timezone

from accounts.scopes import RECORDS_READ, VAULT_MANAGE
from sharing.models import Grant

from .conftest import GRANTS_URL, create_grant, grant_url


def test_it_lists_the_users_own_grants_newest_first(unlocked_alice, unlocked_bob, app, alice_card):
    first = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    second = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": ["holder"]}])
    Grant.objects.filter(id=first["id"]).update(issued_at=timezone.now() - timedelta(minutes=1))
    body = unlocked_alice.client.get(GRANTS_URL).json()
    assert [grant["id"] for grant in body["results"]] == [second["id"], first["id"]]
    assert unlocked_bob.client.get(GRANTS_URL).json()["results"] == []


def test_it_shows_what_was_shared_and_never_the_sealed_bytes(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"], "fields": ["holder"]}])
    [listed] = unlocked_alice.client.get(GRANTS_URL).json()["results"]
    assert listed == created
    assert set(listed) == {"id", "app", "state", "items", "issued_at", "expires_at", "revoked_at"}


def test_it_reports_each_grants_state(unlocked_alice, app, alice_card):
    live = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    expired = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    revoked = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    Grant.objects.filter(id=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    unlocked_alice.client.delete(grant_url(revoked["id"]))
    states = {grant["id"]: grant["state"] for grant in unlocked_alice.client.get(GRANTS_URL).json()["results"]}
    assert states == {live["id"]: "live", expired["id"]: "expired", revoked["id"]: "revoked"}


def test_it_reads_one_grant(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    response = unlocked_alice.client.get(grant_url(created["id"]))
    assert response.status_code == 200 and response.json() == created


def test_another_users_grant_answers_404(unlocked_alice, unlocked_bob, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    assert unlocked_bob.client.get(grant_url(created["id"])).status_code == 404
    assert unlocked_bob.client.get(grant_url("not-a-uuid")).status_code == 404


def test_listing_needs_vault_manage_but_no_unlocked_vault(unlocked_alice, app, alice_card):
    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    assert unlocked_alice.with_scopes(RECORDS_READ).get(GRANTS_URL).status_code == 403
    locked = unlocked_alice.with_secret(None)
    assert len(locked.get(GRANTS_URL).json()["results"]) == 1
    assert unlocked_alice.with_scopes(VAULT_MANAGE).get(GRANTS_URL).status_code == 200


def test_anonymous_requests_answer_401(db, client):
    assert client.get(GRANTS_URL).status_code in (401, 403)
