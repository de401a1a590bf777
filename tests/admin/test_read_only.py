"""Admins cannot add, change or delete audit events, records or files, nor add or delete users."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse

from accounts.models import AccessToken
from audit.models import AuditEvent, Checkpoint
from audit.checkpoints import checkpoint_create
from audit.verification import audit_verify
from records.models import Record
from tests.conftest import make_person
from vault.models import Vault

from .conftest import RECORDS_URL

READ_ONLY = ["audit.AuditEvent", "audit.Checkpoint", "records.Record", "files.File", "vault.Vault",
             "accounts.AccessToken", "vault.RotationJob"]


@pytest.fixture
def alice(db):
    person = make_person("alice").setup_vault().unlock()
    body = {"kind": "note", "label": "l", "data": {"title": "t", "text": "x"}}
    assert person.client.post(RECORDS_URL, body, format="json").status_code == 201
    checkpoint_create()
    return person


def _admin_for(label: str):
    return next((m, a) for m, a in admin.site._registry.items() if m._meta.label == label)


@pytest.mark.parametrize("label", READ_ONLY)
def test_read_only_models_have_no_add_change_or_delete(admin_client, admin_user, alice, rf, label):
    model, model_admin = _admin_for(label)
    request = rf.get("/admin/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
    opts = model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    assert admin_client.get(reverse(f"{prefix}_add")).status_code == 403
    obj = model._default_manager.first()
    if obj is not None:
        change = reverse(f"{prefix}_change", args=[quote(obj.pk)])
        page = admin_client.get(change)
        assert page.status_code == 200 and b'name="_save"' not in page.content
        assert admin_client.post(change, {}).status_code == 403
        assert admin_client.get(reverse(f"{prefix}_delete", args=[quote(obj.pk)])).status_code == 403
        assert admin_client.post(reverse(f"{prefix}_delete", args=[quote(obj.pk)]), {"post": "yes"}).status_code == 403


def test_an_audit_event_survives_every_attempt_to_change_or_delete_it(admin_client, alice):
    event = AuditEvent.objects.order_by("id").first()
    before = (event.action, event.hash)
    url = reverse("admin:audit_auditevent_change", args=[event.pk])
    admin_client.post(url, {"action": "forged", "outcome": "failure"})
    admin_client.post(reverse("admin:audit_auditevent_changelist"),
                      {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    event.refresh_from_db()
    assert (event.action, event.hash) == before
    assert audit_verify().ok


def test_a_record_cannot_be_edited_or_deleted_from_the_admin(admin_client, alice):
    record = Record.objects.get()
    url = reverse("admin:records_record_change", args=[record.pk])
    admin_client.post(url, {"kind": "passport", "vault_key_version": 9})
    admin_client.post(reverse("admin:records_record_changelist"),
                      {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"})
    after = Record.objects.get()
    assert (after.kind, after.vault_key_version) == (record.kind, record.vault_key_version)


def test_users_cannot_be_added_or_deleted(admin_client, alice):
    assert admin_client.get(reverse("admin:auth_user_add")).status_code == 403
    delete = reverse("admin:auth_user_delete", args=[alice.user.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Vault.objects.filter(user=alice.user).exists()


def test_history_pages_are_refused_except_for_users(admin_client, alice):
    event = AuditEvent.objects.first()
    assert admin_client.get(reverse("admin:audit_auditevent_history", args=[event.pk])).status_code == 403
    record = Record.objects.get()
    assert admin_client.get(reverse("admin:records_record_history", args=[record.pk])).status_code == 403
    token = AccessToken.objects.first()
    assert admin_client.get(reverse("admin:accounts_accesstoken_history", args=[token.pk])).status_code == 403
    checkpoint = Checkpoint.objects.get()
    assert admin_client.get(reverse("admin:audit_checkpoint_history", args=[checkpoint.pk])).status_code == 403
    response = admin_client.get(reverse("admin:auth_user_history", args=[alice.user.pk]))
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="admin.view", details__view="history",
                                     subject_user_id=alice.user.pk).exists()


def test_a_superuser_deactivates_a_user_and_it_is_audited(admin_client, admin_user, alice):
    url = reverse("admin:auth_user_change", args=[alice.user.pk])
    response = admin_client.post(url, {"is_active": "", "is_staff": "", "is_superuser": "", "groups": []})
    assert response.status_code == 302, response.content[:500]
    alice.user.refresh_from_db()
    assert not alice.user.is_active
    event = AuditEvent.objects.get(action="admin.change")
    assert (event.actor_id, event.subject_user_id) == (admin_user.pk, alice.user.pk)
    assert event.details == {"fields": ["is_active"], "is_active": False}


def test_staff_who_may_change_users_cannot_make_anyone_superuser(staff_factory, alice):
    manager = staff_factory("manager", "auth.view_user", "auth.change_user")
    url = reverse("admin:auth_user_change", args=[alice.user.pk])
    manager.post(url, {"is_active": "on", "is_staff": "on", "is_superuser": "on"})
    alice.user.refresh_from_db()
    assert alice.user.is_active and not alice.user.is_staff and not alice.user.is_superuser


def test_no_admin_class_uses_exclude_or_shows_a_binary_column():
    for model, model_admin in admin.site._registry.items():
        assert model_admin.exclude is None, model
        if model._meta.app_label in ("auth",) and model._meta.model_name == "group":
            continue
        assert model_admin.fields, f"{model} needs an explicit fields allowlist"
        named = {*model_admin.fields, *model_admin.list_display, *model_admin.readonly_fields,
                 *model_admin.search_fields, *(f for f in model_admin.list_filter if isinstance(f, str))}
        for name in named:
            field_name = name.lstrip("=^@").split("__")[0]
            try:
                field = model._meta.get_field(field_name)
            except Exception:
                continue  # an admin method
            assert field.get_internal_type() != "BinaryField", (model, name)
            assert field_name not in ("token_hash", "password", "blob_key", "kdf_salt"), (model, name)
