"""Every admin page and export, rendered for a superuser over a vault full of markers,
shows no marker and no salt, wrapped key, ciphertext or token hash: raw, hex or base64."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import NoReverseMatch, reverse

from accounts.models import AccessToken
from files.models import File
from storage.factory import get_store
from tests.support.dumps import encodings

MAX_OBJECTS_PER_MODEL = 60


def database_secrets() -> dict[str, bytes | str]:
    """Every binary column of every row (salts, wrapped keys, ciphertexts, sealed names, public
    keys that must not leak either), every token hash and every password hash."""
    found: dict[str, bytes | str] = {}
    for model in apps.get_models():
        binary = [f for f in model._meta.concrete_fields if isinstance(f, models.BinaryField)]
        for obj in model._default_manager.all() if binary else []:
            for column in binary:
                value = bytes(getattr(obj, column.attname) or b"")
                if len(value) >= 8:
                    found[f"{model._meta.label}.{column.name} of {obj.pk}"] = value
    for token in AccessToken.objects.all():
        found[f"token hash {token.pk}"] = token.token_hash
        found[f"token hash {token.pk} (raw)"] = bytes.fromhex(token.token_hash)
    for file in File.objects.all():
        found[f"object key of file {file.pk}"] = file.blob_key
        blob = get_store().read_range(file.blob_key, 0, 4096)
        found[f"ciphertext of file {file.pk}"] = blob[200:264]
    for user in get_user_model().objects.all():
        found[f"password hash of {user.username}"] = user.password
        found[f"password hash digest of {user.username}"] = user.password.rsplit("$", 1)[-1]
    return found


def _content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def render_every_admin_page(client) -> dict[str, bytes]:
    pages: dict[str, bytes] = {}

    def get(url: str, *, ok=(200,)) -> None:
        response = client.get(url)
        assert response.status_code in ok, (url, response.status_code)
        pages[f"GET {url}"] = _content(response)

    def post(url: str, data: dict, *, ok=(200, 302)) -> None:
        response = client.post(url, data)
        assert response.status_code in ok, (url, response.status_code)
        pages[f"POST {url} {sorted(data)}"] = _content(response)

    get("/admin/")
    for model, model_admin in list(admin.site._registry.items()):
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        changelist = reverse(f"{prefix}_changelist")
        get(reverse("admin:app_list", args=[opts.app_label]))
        get(changelist)
        get(f"{changelist}?q=MARKER&_facets=1")
        objects = list(model_admin.get_queryset(_request_for(client))[:MAX_OBJECTS_PER_MODEL])
        for obj in objects:
            get(reverse(f"{prefix}_change", args=[quote(obj.pk)]))
            get(reverse(f"{prefix}_history", args=[quote(obj.pk)]), ok=(200, 403))
        # Every action's confirmation page, for every object.
        for name in model_admin.get_actions(_request_for(client)):
            post(changelist, {"action": name, "_selected_action": [str(obj.pk) for obj in objects]})
    for name in ("admin:vault_vault_rotate_server_keys", "admin:vault_vault_gc_blobs",
                 "admin:audit_auditevent_verify", "admin:audit_auditevent_checkpoint",
                 "admin:audit_auditevent_export"):
        get(reverse(name))
    post(reverse("admin:audit_auditevent_checkpoint"), {"confirmed": "yes"}, ok=(302,))
    post(reverse("admin:audit_auditevent_verify"), {"confirmed": "yes"}, ok=(302,))
    for fmt in ("jsonl", "csv"):
        post(reverse("admin:audit_auditevent_export"), {"format": fmt}, ok=(200,))
        post(reverse("admin:audit_auditevent_export"), {"format": fmt, "user": "alice"}, ok=(200,))
    # The log now holds every admin.view above: show it again, every event of it.
    from audit.models import AuditEvent

    get(reverse("admin:audit_auditevent_changelist"))
    for event in AuditEvent.objects.order_by("id"):
        get(reverse("admin:audit_auditevent_change", args=[event.pk]))
    return pages


def _request_for(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    return request


def test_no_admin_page_or_export_shows_a_marker_or_a_secret(filled_vault, admin_client):
    from vault.models import Vault

    assert Vault.objects.count() == 2 and len(filled_vault.record_ids) == 3 and len(filled_vault.file_ids) == 2
    pages = render_every_admin_page(admin_client)
    assert len(pages) > 40
    secrets: dict[str, bytes | str] = {**database_secrets(), **filled_vault.held_secrets}
    secrets.update({f"marker {m}": m for m in filled_vault.markers})
    assert any(name.startswith("vault.Vault.kdf_salt") for name in secrets)
    assert any(name.startswith("records.Record.ciphertext") for name in secrets)
    assert any(name.startswith("vault.RotationJob.sealed_keys") for name in secrets)
    assert any(name.startswith("files.File.sealed_filename") for name in secrets)
    leaks = [
        (what, page)
        for what, secret in secrets.items()
        for form in encodings(secret)
        for page, body in pages.items()
        if form in body
    ]
    assert not leaks, leaks[:10]


def test_the_pages_really_show_metadata(filled_vault, admin_client):
    alice = filled_vault.person.user
    page = admin_client.get(reverse("admin:auth_user_change", args=[alice.pk])).content.decode()
    for expected in ("alice", "locked", "argon2id", "3 record(s)", "server key", "v2"):
        assert expected.lower() in page.lower(), expected
    assert "2 file(s)" in page
    record_page = admin_client.get(reverse("admin:records_record_change", args=[filled_vault.record_ids[0]]))
    assert b"note" in record_page.content and filled_vault.record_ids[0].encode() in record_page.content
    file_page = admin_client.get(reverse("admin:files_file_change", args=[filled_vault.file_ids[0]]))
    assert b"application/pdf" in file_page.content and b"100" in file_page.content
