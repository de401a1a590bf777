"""Admin for people and their API tokens: metadata only, every view audited.

Users carry their vault's state, KDF parameters, key versions, item counts,
stored bytes and last unlock, as annotations (vault.admin_selectors), so a page
of users is one query. No password hash, salt, wrapped key or token hash is
named anywhere here.
"""

from __future__ import annotations

from datetime import timezone as dt_timezone

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from audit.admin_support import AuditedModelAdmin, ReadOnlyModelAdmin, confirmed_action, record_admin_action
from vault import admin_selectors
from vault.admin import clear_lockout_action, force_lock_action

from . import services
from .models import AccessToken

User = get_user_model()


def _bytes(size: int | None) -> str:
    size = size or 0
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def _kdf(params: dict | None) -> str:
    if not params:
        return "—"
    return ", ".join(f"{key}={params[key]}" for key in sorted(params))


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    audit_target_kind = "user"
    allow_history = True  # staff flags and groups are changed here
    list_display = (
        "username", "email", "is_active", "is_staff", "vault_state", "vault_key_version", "server_key_version",
        "kdf", "items", "stored", "last_unlock_at", "last_login", "date_joined",
    )
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email")
    ordering = ("username",)
    fields = (
        "username", "email", "is_active", "is_staff", "is_superuser", "groups", "date_joined", "last_login",
        "vault_state", "failed_attempts", "kdf", "vault_key_version", "key_versions", "server_key_version",
        "items", "stored", "last_unlock_at", "related",
    )
    editable_fields = ("is_active", "is_staff", "is_superuser", "groups")
    filter_horizontal = ("groups",)
    actions = [
        force_lock_action(target_kind="user", user_of=lambda user: user),
        clear_lockout_action(target_kind="user", user_of=lambda user: user),
        confirmed_action(
            name="remove_second_factors", description="Remove every second factor of the selected users",
            permission="change", target_kind="user", owner_of=lambda user: user,
            perform=lambda request, user: {
                "removed": services.second_factors_remove(user=user)
            },
            explanation=(
                "For someone who lost their authenticator app, security keys and recovery codes. Check who "
                "is asking first: afterwards the account signs in with its password alone (the vault still "
                "needs the PIN). Their web sign-ins end, and they are mailed."
            ),
        ),
    ]

    def get_queryset(self, request):
        users = super().get_queryset(request).only(
            "id", "username", "email", "is_active", "is_staff", "is_superuser", "date_joined", "last_login",
        )
        return admin_selectors.users_with_vault_metadata(users)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out staff or superuser rights; staff may (de)activate accounts.
        editable = self.editable_fields if request.user.is_superuser else ("is_active",)
        return [name for name in self.fields if name not in editable]

    def audit_owner_id(self, obj) -> int:
        return obj.pk

    def has_add_permission(self, request) -> bool:
        return False  # people sign up; admins are made with createsuperuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: deleting would take the vault with it

    def has_vault_operate_permission(self, request) -> bool:
        return request.user.has_perm("vault.change_vault")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        flags = {name: getattr(obj, name) for name in form.changed_data if name != "groups"}
        record_admin_action(request, name="change", target_kind="user", target_id=obj.pk, subject=obj,
                            details={"fields": sorted(form.changed_data), **flags})

    @admin.display(description="vault", ordering="vault_state")
    def vault_state(self, obj) -> str:
        return obj.vault_state.replace("_", " ")

    @admin.display(description="failed PIN attempts")
    def failed_attempts(self, obj) -> int:
        return obj.vault_failed_attempts

    @admin.display(description="KDF")
    def kdf(self, obj) -> str:
        return _kdf(obj.vault_kdf)

    @admin.display(description="vault key", ordering="vault_key_version")
    def vault_key_version(self, obj) -> str:
        if obj.vault_key_version is None:
            return "—"
        return f"v{obj.vault_key_version} ({obj.vault_key_count} version(s))"

    @admin.display(description="key versions")
    def key_versions(self, obj) -> str:
        if obj.vault_state == admin_selectors.UNSET:
            return "—"
        rows = admin_selectors.vault_key_versions(vault_id=obj.vault_pk)
        return format_html_join(", ", "v{} ({})", ((v, created.date().isoformat()) for v, created in rows))

    @admin.display(description="server key", ordering="vault_server_key_version")
    def server_key_version(self, obj) -> str:
        return "—" if obj.vault_server_key_version is None else f"v{obj.vault_server_key_version}"

    @admin.display(description="items")
    def items(self, obj) -> str:
        counts = [f"{getattr(obj, f'{name}_count')} {name}(s)" for name in admin_selectors.owned_model_names()]
        return ", ".join(counts) or "—"

    @admin.display(description="stored", ordering="stored_bytes")
    def stored(self, obj) -> str:
        return _bytes(obj.stored_bytes)

    @admin.display(description="last unlock (UTC)", ordering="vault_last_unlock_at")
    def last_unlock_at(self, obj) -> str:
        moment = obj.vault_last_unlock_at
        return "—" if moment is None else moment.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="see also")
    def related(self, obj) -> str:
        links = [
            ("audit events about this user", "admin:audit_auditevent_changelist", {"subject_user_id": obj.pk}),
            ("audit events by this user", "admin:audit_auditevent_changelist", {"actor_id": obj.pk}),
            ("API tokens", "admin:accounts_accesstoken_changelist", {"user__id__exact": obj.pk}),
        ]
        for model in admin_selectors.owned_models():
            opts = model._meta
            url = f"admin:{opts.app_label}_{opts.model_name}_changelist"
            links.append((str(opts.verbose_name_plural), url, {"owner__id__exact": obj.pk}))
        return format_html_join(
            " · ", '<a href="{}?{}">{}</a>', ((reverse(url), urlencode(query), text) for text, url, query in links)
        )


class TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "active"), ("expired", "expired"), ("revoked", "revoked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "active":
            return queryset.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)
        return queryset


def _revoke(request, access_token: AccessToken) -> dict:
    was_revoked = access_token.revoked_at is not None
    services.token_revoke(access_token=access_token, actor=request.user, request=request)
    return {"already_revoked": was_revoked}


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "token"
    list_display = ("name", "owner", "scope_list", "state", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = (TokenStateFilter, "created_at")
    list_select_related = ("user",)
    search_fields = ("name", "user__username")
    fields = ("name", "owner", "scope_list", "state", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields
    actions = [
        confirmed_action(
            name="revoke_token", description="Revoke the selected tokens", permission="revoke",
            target_kind="token", perform=_revoke, owner_of=lambda token: token.user,
            explanation="Apps using these tokens lose access at once. A revoked token cannot be restored.",
        )
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).only(
            "id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at",
            "user__id", "user__username",
        )

    def audit_owner_id(self, obj) -> int:
        return obj.user_id

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("accounts.change_accesstoken")

    @admin.display(description="owner", ordering="user__username")
    def owner(self, obj) -> str:
        url = reverse("admin:auth_user_change", args=[obj.user_id])
        return format_html('<a href="{}">{}</a>', url, obj.user.username)

    @admin.display(description="scopes")
    def scope_list(self, obj) -> str:
        return ", ".join(obj.scopes)

    @admin.display(description="state")
    def state(self, obj) -> str:
        if obj.revoked_at is not None:
            return "revoked"
        if obj.expires_at is not None and obj.expires_at <= timezone.now():
            return "expired"
        return "active"


# allauth's own admin pages show what Coffer's admin never shows: the second factors' data
# (a sealed TOTP seed, recovery-code state, WebAuthn credentials) with edit and delete
# buttons, and edit forms for email addresses and sessions. They are withdrawn; the admin
# shows accounts through UserAdmin above. Importing them here registers them first, so the
# withdrawal does not depend on the order of INSTALLED_APPS.
from allauth.account import admin as _allauth_account_admin  # noqa: E402
from allauth.account.models import EmailAddress, EmailConfirmation  # noqa: E402
from allauth.mfa import admin as _allauth_mfa_admin  # noqa: E402
from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.usersessions import admin as _allauth_usersessions_admin  # noqa: E402, F401
from allauth.usersessions.models import UserSession  # noqa: E402

for _model in (EmailAddress, EmailConfirmation, Authenticator, UserSession):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
