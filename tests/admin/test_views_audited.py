"""Every admin view of a user's metadata is an admin.view event naming what and whose."""

import pytest
from django.urls import reverse

from accounts.models import AccessToken
from audit.models import AuditEvent
from records.models import Record
from tests.conftest import make_person
from tests.support.tampering import tampering
from vault.models import Vault

from .conftest import RECORDS_URL


@pytest.fixture
def alice(db):
    person = make_person("alice").setup_vault().unlock()
    body = {"kind": "note", "label": "l", "data": {"title": "t", "text": "x"}}
    assert person.client.post(RECORDS_URL, body, format="json").status_code == 201
    return person


def _last_view() -> AuditEvent:
    return AuditEvent.objects.filter(action="admin.view").order_by("-id").first()


@pytest.mark.parametrize(
    ("url_name", "kind", "obj"),
    [
        ("admin:auth_user_change", "user", lambda alice: alice.user),
        ("admin:vault_vault_change", "vault", lambda alice: Vault.objects.get(user=alice.user)),
        ("admin:records_record_change", "record", lambda alice: Record.objects.get()),
        ("admin:accounts_accesstoken_change", "token", lambda alice: AccessToken.objects.get(user=alice.user)),
    ],
)
def test_a_change_page_is_audited_with_its_target_and_owner(admin_client, admin_user, alice, url_name, kind, obj):
    target = obj(alice)
    response = admin_client.get(reverse(url_name, args=[target.pk]), REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 200
    event = _last_view()
    assert (event.actor_id, event.subject_user_id, event.target_kind, event.target_id) == (
        admin_user.pk, alice.user.pk, kind, str(target.pk))
    assert event.ip_address == "192.0.2.44" and event.details["view"] == "change"


@pytest.mark.parametrize(
    "url_name",
    ["admin:auth_user_changelist", "admin:vault_vault_changelist", "admin:records_record_changelist",
     "admin:accounts_accesstoken_changelist", "admin:audit_auditevent_changelist"],
)
def test_a_list_page_is_audited_with_the_objects_shown(admin_client, alice, url_name):
    assert admin_client.get(reverse(url_name)).status_code == 200
    event = _last_view()
    assert event.details["view"] == "changelist" and event.details["object_ids"]


def test_a_list_of_one_users_items_names_that_user(admin_client, alice):
    make_person("bob")
    admin_client.get(reverse("admin:records_record_changelist") + f"?owner__id__exact={alice.user.pk}")
    event = _last_view()
    assert event.subject_user_id == alice.user.pk and event.details["user_ids"] == [alice.user.pk]
    assert event.details["object_ids"] == [str(Record.objects.get().pk)]
    assert event.details["query"] == {"owner__id__exact": str(alice.user.pk)}


def test_a_list_of_many_users_names_them_all(admin_client, alice):
    bob = make_person("bob")
    admin_client.get(reverse("admin:accounts_accesstoken_changelist"))
    event = _last_view()
    assert event.subject_user_id is None
    assert set(event.details["user_ids"]) == {alice.user.pk, bob.user.pk}


def test_the_checkpoint_list_is_not_a_view_of_user_metadata(admin_client, alice):
    before = AuditEvent.objects.filter(action="admin.view").count()
    assert admin_client.get(reverse("admin:audit_checkpoint_changelist")).status_code == 200
    assert AuditEvent.objects.filter(action="admin.view").count() == before


def test_an_admin_can_tell_who_unlocked_or_revealed_what_and_when(admin_client, alice):
    record = Record.objects.get()
    assert alice.client.get(f"{RECORDS_URL}{record.pk}/?reveal=true").status_code == 200
    page = admin_client.get(reverse("admin:audit_auditevent_changelist") + "?action=record.reveal").content.decode()
    reveal = AuditEvent.objects.get(action="record.reveal")
    assert "alice" in page and str(record.pk) in page and "kind=&quot;note&quot;" in page
    assert reveal.created_at.strftime("%Y") in page
    page = admin_client.get(reverse("admin:audit_auditevent_changelist") + "?action=vault.unlock").content.decode()
    assert "alice" in page and "vault.unlock" in page


def test_the_audit_list_shows_the_chain_status(admin_client, alice):
    page = admin_client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "Audit chain: intact" in page and "Intact:" in page
    assert "No full verification recorded yet." in page


def test_the_audit_list_shows_a_broken_chain(admin_client, alice):
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET outcome = 'denied' WHERE id = 2")
    page = admin_client.get(reverse("admin:audit_auditevent_changelist")).content.decode()
    assert "Audit chain: BROKEN" in page and "event 2 was altered" in page
    detail = admin_client.get(reverse("admin:audit_auditevent_change", args=[2])).content.decode()
    assert "ALTERED" in detail
