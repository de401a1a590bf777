"""GET /api/v1/apps/me/grants/: an app's live grants, and only those. Every fetch is audited."""

from datetime import timedelta

from django.utils import timezone

from sharing.models import Grant
from sharing.services import grants_purge_expired

from .conftest import create_grant, events


def test_it_serves_live_grants_oldest_first(unlocked_alice, app, alice_card):
    first = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    second = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    Grant.objects.filter(id=second["id"]).update(issued_at=timezone.now() + timedelta(seconds=1))
    served = app.fetch()
    assert [grant["id"] for grant in served] == [first["id"], second["id"]]
    assert set(served[0]) == {"id", "user_id", "issued_at", "expires_at", "sealed_grant"}


def test_an_expired_grant_is_never_served(unlocked_alice, app, alice_card):
    created = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    Grant.objects.filter(id=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert app.fetch() == []
    assert events("grant.fetch") == []


def test_expired_grants_lose_their_sealed_bytes_when_purged(unlocked_alice, app, alice_card):
    expired = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    live = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    Grant.objects.filter(id=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert grants_purge_expired() == 1
    assert bytes(Grant.objects.get(id=expired["id"]).sealed_grant) == b""
    assert bytes(Grant.objects.get(id=live["id"]).sealed_grant) != b""


def test_an_app_sees_only_its_own_grants(unlocked_alice, app, other_app, alice_card):
    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    assert other_app.fetch() == []


def test_every_grant_served_is_audited_on_every_fetch(unlocked_alice, app, alice_card):
    first = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    second = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    app.fetch()
    app.fetch()
    fetches = events("grant.fetch")
    assert sorted(event.target_id for event in fetches) == sorted([first["id"], second["id"]] * 2)
    for event in fetches:
        assert event.actor is None and event.subject_user_id == unlocked_alice.user.pk
        assert event.details == {"app_id": app.id}


def test_it_pages(unlocked_alice, app, alice_card):
    for _ in range(3):
        create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    page = app.get("/api/v1/apps/me/grants/?limit=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2
    assert len(events("grant.fetch")) == 2
