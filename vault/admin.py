"""Admin for vaults and rotation jobs: state and key versions, never a salt, key or secret.

Actions: force-lock (ends every unlock session of the user at once), clear a
PIN lock-out, start server keyring rotation, start blob GC. Each is confirmed
on a page of its own and audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Count
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string

from audit.admin_support import ReadOnlyModelAdmin, confirmed_action, confirmed_operation
from coffer.errors import DomainError

from . import admin_selectors, services
from .models import Vault
from .rotation_server import server_keys_rotate_task, server_keys_status


def force_lock_action(*, target_kind: str, user_of):
    def perform(request, obj) -> None:
        services.vault_lock_all(user=user_of(obj), actor=request.user, request=request)

    return confirmed_action(
        name="force_lock", description="Force-lock the selected vaults", permission="vault_operate",
        target_kind=target_kind, perform=perform, owner_of=user_of,
        explanation="Every unlock session of these users ends at once, on every device and app. "
                    "They unlock again with their PIN.",
    )


def clear_lockout_action(*, target_kind: str, user_of):
    def perform(request, obj) -> dict:
        cleared = services.vault_clear_lockout(user=user_of(obj), actor=request.user, request=request)
        return {"cleared": cleared}

    return confirmed_action(
        name="clear_lockout", description="Clear the PIN lock-out of the selected vaults",
        permission="vault_operate", target_kind=target_kind, perform=perform, owner_of=user_of,
        explanation="The count of wrong PINs goes back to zero and any backoff or lock-out ends. "
                    "Do this only once you are sure the account holder asked for it.",
    )


class OperationUnavailable(DomainError):
    pass


def _start_server_key_rotation(request) -> tuple[str, dict]:
    status = server_keys_status()
    server_keys_rotate_task.delay(actor_id=request.user.pk)
    return (
        f"Server keyring rotation started: {status.pending} vault(s) move to v{status.current_version}.",
        {"to_version": status.current_version, "pending": status.pending},
    )


def _start_blob_gc(request) -> tuple[str, dict]:
    if not settings.COFFER_BLOB_GC_TASK:
        raise OperationUnavailable("gc_unavailable", "Blob GC is not available in this installation yet.")
    try:
        task = import_string(settings.COFFER_BLOB_GC_TASK)
    except ImportError:
        raise OperationUnavailable("gc_unavailable", "Blob GC is not available: its task cannot be found.") from None
    task.delay()
    return "Blob garbage collection started.", {"task": settings.COFFER_BLOB_GC_TASK}


@admin.register(Vault)
class VaultAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "vault"
    change_list_template = "admin/vault/vault_change_list.html"
    list_display = (
        "owner", "state", "vault_key", "server_key_version", "kdf", "failed_attempts", "locked_out_at",
        "last_unlock_at", "pin_changed_at", "created_at",
    )
    list_filter = ("server_key_version", "locked_out_at", "created_at")
    search_fields = ("user__username",)
    fields = (
        "owner", "state", "vault_key", "key_versions", "server_key_version", "kdf", "failed_attempts",
        "backoff_until", "locked_out_at", "last_unlock_at", "pin_changed_at", "recovery_issued_at", "created_at",
    )
    readonly_fields = fields
    actions = [
        force_lock_action(target_kind="vault", user_of=lambda vault: vault.user),
        clear_lockout_action(target_kind="vault", user_of=lambda vault: vault.user),
    ]

    def get_queryset(self, request):
        return admin_selectors.vaults_with_metadata(super().get_queryset(request))

    def audit_owner_id(self, obj) -> int:
        return obj.user_id

    def has_vault_operate_permission(self, request) -> bool:
        return request.user.has_perm("vault.change_vault")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("rotate-server-keys/", view(self.rotate_server_keys_view), name="vault_vault_rotate_server_keys"),
            path("gc-blobs/", view(self.gc_blobs_view), name="vault_vault_gc_blobs"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_operate_server": request.user.is_superuser}
        return super().changelist_view(request, extra_context)

    def rotate_server_keys_view(self, request):
        status = server_keys_status()
        versions = ", ".join(f"v{v}: {n}" for v, n in sorted(status.vaults_by_version.items())) or "no vaults"
        return confirmed_operation(
            self, request, name="rotate_server_keys", title="Start server keyring rotation",
            allowed=request.user.is_superuser, target_kind="server_keyring", perform=_start_server_key_rotation,
            explanation=[
                f"The keyring holds versions {', '.join(f'v{v}' for v in status.keyring_versions)};"
                f" v{status.current_version} is current.",
                f"Vaults per server key version: {versions}. {status.pending} will be re-wrapped under"
                f" v{status.current_version}, in the background.",
                "No user needs to act, and nothing is decrypted except each vault's server share, in memory.",
            ],
        )

    def gc_blobs_view(self, request):
        return confirmed_operation(
            self, request, name="gc_blobs", title="Run blob garbage collection",
            allowed=request.user.is_superuser, target_kind="blob_store", perform=_start_blob_gc,
            explanation=["Deletes stored objects that no file points to any more (left over by crashes and "
                         "rotations), in the background."],
        )

    @admin.display(description="owner", ordering="user__username")
    def owner(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:auth_user_change", args=[obj.user_id]),
                           obj.user.username)

    @admin.display(description="state", ordering="vault_state")
    def state(self, obj) -> str:
        return obj.vault_state.replace("_", " ")

    @admin.display(description="vault key", ordering="vault_key_version")
    def vault_key(self, obj) -> str:
        return f"v{obj.vault_key_version} ({obj.vault_key_count} version(s))"

    @admin.display(description="key versions")
    def key_versions(self, obj) -> str:
        rows = admin_selectors.vault_key_versions(vault_id=obj.pk)
        return format_html_join(", ", "v{} ({})", ((v, created.date().isoformat()) for v, created in rows))

    @admin.display(description="KDF")
    def kdf(self, obj) -> str:
        params = obj.kdf_params or {}
        return ", ".join(f"{key}={params[key]}" for key in sorted(params))


def _register_rotation_jobs() -> None:
    """Rotation jobs (vault.RotationJob), with progress and errors; never their sealed keys."""
    from django.apps import apps

    try:
        job_model = apps.get_model("vault", "RotationJob")
        item_model = apps.get_model("vault", "RotationItem")
    except LookupError:
        return

    def _resume(request, job) -> dict:
        from vault.rotation.services import rotation_resume

        rotation_resume(job=job, actor=request.user, request=request)
        return {"kind": job.kind}

    resume_action = confirmed_action(
        name="resume_rotation", description="Resume failed rotation", permission="vault_operate",
        target_kind="rotation", perform=_resume, owner_of=lambda job: job.vault.user,
        explanation="Each failed job runs again from where its items stopped; nothing is decrypted here.",
    )

    @admin.register(job_model)
    class RotationJobAdmin(ReadOnlyModelAdmin):
        audit_target_kind = "rotation"
        actions = [resume_action]

        def has_vault_operate_permission(self, request) -> bool:
            return request.user.has_perm("vault.change_vault")
        list_display = ("id", "owner", "kind", "state", "target_version", "progress", "error_count",
                        "created_at", "progressed_at", "finished_at")
        list_filter = ("state", "kind", "created_at")
        list_select_related = ("vault__user",)
        search_fields = ("vault__user__username", "=id")
        fields = ("id", "owner", "kind", "state", "target_version", "progress", "item_states", "error_count",
                  "error_list", "created_at", "progressed_at", "finished_at")
        readonly_fields = fields

        def get_queryset(self, request):
            return super().get_queryset(request).only(
                "id", "kind", "state", "target_version", "items_total", "items_done", "bytes_total", "bytes_done",
                "errors", "created_at", "progressed_at", "finished_at", "vault__id", "vault__user__id",
                "vault__user__username",
            )

        def audit_owner_id(self, obj) -> int:
            return obj.vault.user_id

        @admin.display(description="owner", ordering="vault__user__username")
        def owner(self, obj) -> str:
            return format_html('<a href="{}">{}</a>', reverse("admin:auth_user_change", args=[obj.vault.user_id]),
                               obj.vault.user.username)

        @admin.display(description="progress")
        def progress(self, obj) -> str:
            text = f"{obj.items_done}/{obj.items_total} items"
            if obj.bytes_total:
                text += f", {obj.bytes_done}/{obj.bytes_total} bytes"
            return text

        @admin.display(description="errors")
        def error_count(self, obj) -> int:
            return len(obj.errors or [])

        @admin.display(description="recent errors")
        def error_list(self, obj) -> str:
            rows = [(e.get("item_kind", ""), e.get("item_id", ""), e.get("error", "")) for e in obj.errors or []]
            return format_html_join("", "<div>{} {}: {}</div>", rows) or "—"

        @admin.display(description="items by state")
        def item_states(self, obj) -> str:
            counts = item_model.objects.filter(job=obj).values_list("state").annotate(n=Count("id")).order_by()
            return ", ".join(f"{state}: {n}" for state, n in sorted(counts)) or "—"


_register_rotation_jobs()
