"""Admin actions: each shows a confirmation page first, then acts through a service and is audited."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from accounts.models import AccessToken
from audit.models import AuditEvent, Checkpoint
from tests.conftest import PASSWORD, make_person
from tests.support.second_factor import give_totp
from vault.models import Vault


@pytest.fixture
def alice(db):
    return make_person("alice").setup_vault().unlock()


def _act(client, changelist: str, action: str, ids, *, confirmed: bool):
    data = {"action": action, "_selected_action": [str(i) for i in ids]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(reverse(changelist), data)


def test_force_lock_asks_first_and_changes_nothing_until_confirmed(admin_client, alice):
    response = _act(admin_client, "admin:vault_vault_changelist", "force_lock", [alice.user.vault.pk], confirmed=False)
    assert response.status_code == 200
    assert b"are you sure?" in response.content and b'name="confirmed" value="yes"' in response.content
    assert alice.client.get("/api/v1/vault").json()["state"] == "unlocked"
    assert not AuditEvent.objects.filter(action__in=["admin.force_lock", "vault.lock_all"]).exists()


def test_force_lock_ends_every_unlock_session_of_the_user_and_is_audited(admin_client, admin_user, alice):
    other_device = alice.unlock_secret
    alice.unlock()  # a second session, as from another device
    response = _act(admin_client, "admin:vault_vault_changelist", "force_lock", [alice.user.vault.pk], confirmed=True)
    assert response.status_code == 302
    for secret in (other_device, alice.unlock_secret):
        assert alice.with_secret(secret).get("/api/v1/vault").json()["state"] == "locked"
    assert alice.client.get("/api/v1/records/").status_code == 423
    action = AuditEvent.objects.get(action="admin.force_lock")
    assert (action.actor_id, action.subject_user_id, action.target_kind, action.outcome) == (
        admin_user.pk, alice.user.pk, "vault", "success")
    effect = AuditEvent.objects.get(action="vault.lock_all")
    assert (effect.actor_id, effect.subject_user_id) == (admin_user.pk, alice.user.pk)


def test_force_lock_works_from_the_users_page_too(admin_client, alice):
    _act(admin_client, "admin:auth_user_changelist", "force_lock", [alice.user.pk], confirmed=True)
    assert alice.client.get("/api/v1/vault").json()["state"] == "locked"
    assert AuditEvent.objects.get(action="admin.force_lock").target_kind == "user"


def test_clear_lockout_lets_the_user_unlock_again_and_is_audited(admin_client, admin_user, alice):
    Vault.objects.filter(user=alice.user).update(locked_out_at=timezone.now(), failed_attempts=10)
    assert alice.client.post("/api/v1/vault/unlock", {"pin": alice.pin}, format="json").status_code == 423
    _act(admin_client, "admin:vault_vault_changelist", "clear_lockout", [alice.user.vault.pk], confirmed=True)
    vault = Vault.objects.get(user=alice.user)
    assert (vault.locked_out_at, vault.failed_attempts, vault.backoff_until) == (None, 0, None)
    assert alice.client.post("/api/v1/vault/unlock", {"pin": alice.pin}, format="json").status_code == 200
    effect = AuditEvent.objects.get(action="vault.clear_lockout")
    assert effect.actor_id == admin_user.pk and effect.details == {"locked_out": True, "failed_attempts": 10}
    assert AuditEvent.objects.get(action="admin.clear_lockout").details == {"cleared": True}


def test_clear_lockout_on_a_user_without_a_vault_is_refused_and_audited(admin_client, db):
    dave = make_person("dave")
    response = _act(admin_client, "admin:auth_user_changelist", "clear_lockout", [dave.user.pk], confirmed=True)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="admin.clear_lockout")
    assert event.outcome == "failure" and event.details == {"reason": "vault_unset"}


def test_revoke_asks_first_then_revokes_the_token_and_is_audited(admin_client, admin_user, alice):
    token = AccessToken.objects.get(user=alice.user)
    page = _act(admin_client, "admin:accounts_accesstoken_changelist", "revoke_token", [token.pk], confirmed=False)
    assert page.status_code == 200 and AccessToken.objects.get().revoked_at is None
    _act(admin_client, "admin:accounts_accesstoken_changelist", "revoke_token", [token.pk], confirmed=True)
    assert AccessToken.objects.get().revoked_at is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {alice.token}")
    assert client.get("/api/v1/vault").status_code == 401
    effect = AuditEvent.objects.get(action="token.revoke")
    assert (effect.actor_id, effect.subject_user_id, effect.target_id) == (admin_user.pk, alice.user.pk, str(token.pk))
    assert AuditEvent.objects.get(action="admin.revoke_token").subject_user_id == alice.user.pk


def test_blob_gc_reports_when_it_is_not_available_and_audits_the_attempt(admin_client, settings, db):
    settings.COFFER_BLOB_GC_TASK = ""
    response = admin_client.post(reverse("admin:vault_vault_gc_blobs"), {"confirmed": "yes"}, follow=True)
    assert b"not available" in response.content
    event = AuditEvent.objects.get(action="admin.gc_blobs")
    assert event.outcome == "failure" and event.details == {"reason": "gc_unavailable"}


def test_blob_gc_starts_the_configured_task(admin_client, settings, celery_eager, db):
    # Stand-in task: any real task shows the dotted path is imported and enqueued.
    settings.COFFER_BLOB_GC_TASK = "audit.tasks.checkpoint_create"
    make_person("alice")
    admin_client.post(reverse("admin:vault_vault_gc_blobs"), {"confirmed": "yes"})
    event = AuditEvent.objects.get(action="admin.gc_blobs")
    assert event.outcome == "success" and event.details == {"task": "audit.tasks.checkpoint_create"}
    assert Checkpoint.objects.exists()


def test_operations_ask_first_on_a_page_of_their_own(admin_client, db):
    for name in ("admin:vault_vault_rotate_server_keys", "admin:vault_vault_gc_blobs",
                 "admin:audit_auditevent_verify", "admin:audit_auditevent_checkpoint"):
        response = admin_client.get(reverse(name))
        assert response.status_code == 200 and b'name="confirmed" value="yes"' in response.content, name
        # A POST without the confirmation does nothing.
        admin_client.post(reverse(name), {})
    assert not AuditEvent.objects.filter(action__startswith="admin.").exclude(action="admin.view").exists()


def test_signing_a_checkpoint_and_verifying_from_the_admin_are_audited(admin_client, admin_user, db):
    make_person("alice")
    admin_client.post(reverse("admin:audit_auditevent_checkpoint"), {"confirmed": "yes"})
    admin_client.post(reverse("admin:audit_auditevent_verify"), {"confirmed": "yes"})
    assert AuditEvent.objects.get(action="admin.checkpoint").details["signed"] is True
    assert AuditEvent.objects.get(action="admin.verify_audit").details["ok"] is True
    assert AuditEvent.objects.get(action="audit.verify").actor_id == admin_user.pk



def test_removing_second_factors_asks_first_then_removes_all_ends_sign_ins_audits_and_mails(
    smtp_mail, admin_client, admin_user, alice, bob, django_capture_on_commit_callbacks
):
    totps = {person.user.pk: give_totp(person.user) for person in (alice, bob)}
    for person in (alice, bob):
        RecoveryCodes.activate(person.user)
    signed_in = Client()
    assert signed_in.post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code == 302
    assert signed_in.post("/accounts/2fa/authenticate/", {"code": totps[alice.user.pk].now()}).status_code == 302
    assert signed_in.get("/account/").status_code == 200

    asked = _act(admin_client, "admin:auth_user_changelist", "remove_second_factors", [alice.user.pk], confirmed=False)
    assert asked.status_code == 200 and b"are you sure?" in asked.content
    assert Authenticator.objects.filter(user=alice.user).count() == 2
    with django_capture_on_commit_callbacks(execute=True):  # the mail waits for the commit
        _act(admin_client, "admin:auth_user_changelist", "remove_second_factors", [alice.user.pk], confirmed=True)

    assert not Authenticator.objects.filter(user=alice.user).exists()
    assert Authenticator.objects.filter(user=bob.user).count() == 2  # only the selected user
    assert signed_in.get("/account/").status_code == 302  # the sign-in that passed the old factor ended
    fresh = Client()
    assert fresh.post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code == 302
    assert "_auth_user_id" in fresh.session  # the password alone now, as the owner asked
    event = AuditEvent.objects.get(action="admin.remove_second_factors")
    assert (event.actor_id, event.subject_user_id, event.outcome, event.details) == (
        admin_user.pk, alice.user.pk, "success", {"removed": 2})
    (mail,) = [m for m in smtp_mail.messages() if m.recipients == [alice.user.email]]
    assert "Two-factor sign-in was turned off" in mail.subject and alice.user.username in mail.body
