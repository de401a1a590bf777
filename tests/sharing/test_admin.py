"""Apps in Django admin: approve and revoke, audited; metadata only."""

import base64

from sharing.models import App

from .conftest import create_grant, events
from tests.support.second_factor import give_totp

CHANGELIST = "/admin/sharing/app/"


def act(admin_client, action: str, *apps):
    return admin_client.post(CHANGELIST, {"action": action, "_selected_action": [a.id for a in apps]})


def test_an_admin_approves_pending_apps(admin_client, admin_user, register_app):
    first, second = register_app(approve=False), register_app(approve=False, name="Second")
    response = act(admin_client, "approve_apps", first, second)
    assert response.status_code == 302
    assert set(App.objects.values_list("state", flat=True)) == {"approved"}
    approvals = events("app.approve")
    assert sorted(e.target_id for e in approvals) == sorted([first.id, second.id])
    assert all(e.actor == admin_user for e in approvals)
    assert first.get().status_code == 200


def test_approving_an_approved_app_is_not_audited_again(admin_client, app):
    assert len(events("app.approve")) == 1
    act(admin_client, "approve_apps", app)
    assert len(events("app.approve")) == 1


def test_an_admin_revokes_an_app_and_all_its_grants(admin_client, admin_user, unlocked_alice, app, alice_card):
    grant = create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    act(admin_client, "revoke_apps", app)
    assert app.row.state == "revoked" and app.row.revoked_at is not None
    assert app.get().status_code == 403
    [revoke] = events("grant.revoke")
    assert revoke.target_id == grant["id"] and revoke.details["reason"] == "app_revoked"
    assert revoke.actor == admin_user and revoke.subject_user_id == unlocked_alice.user.pk
    [event] = events("app.revoke")
    assert event.actor == admin_user and event.details["grants_revoked"] == 1
    assert unlocked_alice.client.get(f"/api/v1/grants/{grant['id']}/").json()["state"] == "revoked"


def test_the_admin_shows_metadata_and_key_fingerprints_only(admin_client, app):
    listing = admin_client.get(CHANGELIST)
    assert listing.status_code == 200 and b"Demo app" in listing.content
    page = admin_client.get(f"{CHANGELIST}{app.id}/change/")
    assert page.status_code == 200
    public_key = base64.b64encode(bytes(app.sign_key.verify_key))
    assert public_key not in page.content and bytes(app.sign_key.verify_key).hex().encode() not in page.content
    assert b"SHA-256" in page.content


def test_apps_are_not_added_or_deleted_in_admin(admin_client, app):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{app.id}/delete/", {"post": "yes"}).status_code == 403
    assert App.objects.filter(id=app.id).exists()


def test_staff_without_permission_cannot_act(client, django_user_model, register_app):
    staff = django_user_model.objects.create_user(username="staff", password="x" * 12, is_staff=True)
    give_totp(staff)  # admins must have a second factor
    client.force_login(staff)
    pending = register_app(approve=False)
    act(client, "approve_apps", pending)
    assert pending.row.state == "pending"
