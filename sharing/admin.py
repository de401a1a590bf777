"""Apps in Django admin: list, approve, revoke. Metadata only; every action is audited by
the services it calls. Apps are created by registering over the API, never here."""

import hashlib

from django.contrib import admin, messages

from . import services
from .models import App


def key_fingerprint(key) -> str:
    """The first 16 hex digits of SHA-256 of a public key: enough to compare with the app's own."""
    return hashlib.sha256(bytes(key)).hexdigest()[:16]


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ("name", "state", "callback_url", "created_at", "approved_at", "revoked_at")
    list_filter = ("state",)
    search_fields = ("name", "callback_url")
    ordering = ("-created_at",)
    fields = (
        "id", "name", "callback_url", "state", "box_key_fingerprint", "sign_key_fingerprint",
        "created_at", "approved_at", "revoked_at",
    )
    readonly_fields = fields
    actions = ("approve_apps", "revoke_apps")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoke instead: the row is the audit trail's anchor for the app's grants.
        return False

    @admin.display(description="X25519 key (SHA-256, first 16 hex)")
    def box_key_fingerprint(self, app: App) -> str:
        return key_fingerprint(app.box_public_key)

    @admin.display(description="Ed25519 key (SHA-256, first 16 hex)")
    def sign_key_fingerprint(self, app: App) -> str:
        return key_fingerprint(app.sign_public_key)

    @admin.action(description="Approve the selected apps", permissions=["change"])
    def approve_apps(self, request, queryset) -> None:
        apps = list(queryset)
        for app in apps:
            services.app_approve(app=app, actor=request.user, request=request)
        self.message_user(request, f"Approved {len(apps)} app(s).", messages.SUCCESS)

    @admin.action(description="Revoke the selected apps and all their grants", permissions=["change"])
    def revoke_apps(self, request, queryset) -> None:
        apps = list(queryset)
        for app in apps:
            services.app_revoke(app=app, actor=request.user, request=request)
        self.message_user(request, f"Revoked {len(apps)} app(s) and their grants.", messages.SUCCESS)
