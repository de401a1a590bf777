"""Staff without the right permission see nothing: every page and operation is refused."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import reverse

from accounts.models import AccessToken
from audit.models import AuditEvent
from tests.conftest import PASSWORD, make_person
from vault.models import Vault

OPERATIONS = ("admin:vault_vault_rotate_server_keys", "admin:vault_vault_gc_blobs", "admin:audit_auditevent_verify",
              "admin:audit_auditevent_checkpoint", "admin:audit_auditevent_export")


@pytest.fixture
def alice_with_vault(db):
    return make_person("alice").setup_vault()


def _model_urls():
    for model in admin.site._registry:
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        yield reverse(f"{prefix}_changelist")
        obj = model._default_manager.first()
        if obj is not None:
            yield reverse(f"{prefix}_change", args=[quote(obj.pk)])
            yield reverse(f"{prefix}_history", args=[quote(obj.pk)])


def test_staff_without_permissions_get_403_on_every_model_page(staff_client, alice_with_vault):
    urls = list(_model_urls())
    assert len(urls) > 10
    for url in urls:
        response = staff_client.get(url)
        assert response.status_code == 403, url
        assert b"alice" not in response.content


def test_staff_without_permissions_see_no_model_on_the_index(staff_client, alice_with_vault):
    response = staff_client.get("/admin/")
    assert response.status_code == 200
    for model in admin.site._registry:
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert changelist.encode() not in response.content


@pytest.mark.parametrize("name", OPERATIONS)
def test_staff_without_permissions_cannot_run_operations(staff_client, alice_with_vault, name):
    assert staff_client.get(reverse(name)).status_code == 403
    assert staff_client.post(reverse(name), {"confirmed": "yes", "format": "jsonl"}).status_code == 403


def test_a_non_staff_user_is_sent_to_the_login_page(alice_with_vault):
    client = Client()
    client.login(username="alice", password=PASSWORD)
    response = client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_viewing_audit_events_does_not_open_users_or_exports(staff_factory, alice_with_vault):
    auditor = staff_factory("auditor", "audit.view_auditevent")
    assert auditor.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert auditor.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert auditor.get(reverse("admin:vault_vault_changelist")).status_code == 403
    assert auditor.get(reverse("admin:audit_auditevent_export")).status_code == 403
    assert auditor.get(reverse("admin:audit_auditevent_verify")).status_code == 403


def test_viewing_vaults_does_not_allow_acting_on_them(staff_factory, alice_with_vault):
    viewer = staff_factory("viewer", "vault.view_vault")
    vault = Vault.objects.get()
    url = reverse("admin:vault_vault_changelist")
    assert b"force_lock" not in viewer.get(url).content
    viewer.post(url, {"action": "force_lock", "_selected_action": [vault.pk], "confirmed": "yes"})
    assert Vault.objects.get().unlock_epoch == vault.unlock_epoch
    assert not AuditEvent.objects.filter(action="admin.force_lock").exists()


def test_viewing_tokens_does_not_allow_revoking_them(staff_factory, alice_with_vault):
    viewer = staff_factory("viewer", "accounts.view_accesstoken")
    token = AccessToken.objects.get()
    viewer.post(reverse("admin:accounts_accesstoken_changelist"),
                {"action": "revoke_token", "_selected_action": [token.pk], "confirmed": "yes"})
    assert AccessToken.objects.get().revoked_at is None


def test_only_a_superuser_starts_server_wide_operations(staff_factory, alice_with_vault):
    operator = staff_factory("operator", "vault.view_vault", "vault.change_vault")
    assert operator.get(reverse("admin:vault_vault_changelist")).status_code == 200
    assert operator.get(reverse("admin:vault_vault_rotate_server_keys")).status_code == 403
    assert operator.get(reverse("admin:vault_vault_gc_blobs")).status_code == 403
