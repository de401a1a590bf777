"""Settings: change the PIN, rotate or re-encrypt, API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import token_get, token_list
from reminders.forms import ReminderSettingForm
from reminders.selectors import reminder_setting_get
from reminders.services import reminder_setting_update, reminders_sync_all
from accounts.services import AccountError, token_create, token_revoke
from web.once import submission_first, submission_forget
from coffer.limits import throttled
from vault.api.unlocking import unlock_secret_from
from vault.models import RotationJob
from vault.rotation.estimates import rotation_estimate
from vault.rotation.services import RotationError, rotation_get, rotation_list, rotation_resume, rotation_start
from vault.selectors import vault_state
from vault.services import VaultError, vault_change_pin, vault_new_recovery_code

from ..decorators import unlocked_vault_required
from .vault import recovery_code_page
from ..forms import (
    SCOPE_CHOICES,
    AccountDeleteForm,
    NewRecoveryCodeForm,
    PinChangeForm,
    RotationStartForm,
    TokenCreateForm,
    add_domain_error,
)

SCOPE_NAMES = dict(SCOPE_CHOICES)


def _settings_page(request, *, pin_form=None, recovery_form=None, token_form=None, new_token=None,
                   reminder_form=None, status=200):
    rotations = list(rotation_list(owner=request.user)[:5])
    context = {
        "vault": vault_state(user=request.user, unlock_secret=None),
        "pin_form": pin_form or PinChangeForm(),
        "recovery_form": recovery_form or NewRecoveryCodeForm(),
        "delete_form": AccountDeleteForm(auto_id="delete_%s", user=request.user),
        "token_form": token_form or TokenCreateForm(),
        "tokens": token_list(user=request.user),
        "scope_names": SCOPE_NAMES,
        "new_token": new_token,
        "running": any(job.state == RotationJob.State.RUNNING for job in rotations),
        "latest_rotation": rotations[0] if rotations else None,
        "now": timezone.now(),
        "reminder_form": reminder_form or _reminder_form(request.user),
    }
    return render(request, "web/settings/index.html", context, status=status)


@unlocked_vault_required
@require_GET
def settings_view(request):
    return _settings_page(request)


def _reminder_form(user) -> ReminderSettingForm:
    setting = reminder_setting_get(user=user)
    return ReminderSettingForm(initial={"enabled": setting.enabled, "offsets": ", ".join(setting.offsets.split(","))})


@unlocked_vault_required
@require_POST
def reminders_view(request):
    form = ReminderSettingForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, reminder_form=form, status=400)
    setting = reminder_setting_update(
        user=request.user, enabled=form.cleaned_data["enabled"], offsets=form.cleaned_data["offsets"]
    )
    if setting.enabled:
        reminders_sync_all(owner=request.user, keys=request.vault_keys)
    messages.success(request, "Reminders are on." if setting.enabled else "Reminders are off.")
    return redirect(reverse("settings") + "#reminders")


@sensitive_post_parameters()
@unlocked_vault_required
@require_POST
@throttled("unlock")
def pin_change_view(request):
    form = PinChangeForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, pin_form=form, status=400)
    try:
        vault_change_pin(
            user=request.user,
            pin=form.cleaned_data["pin"],
            new_pin=form.cleaned_data["new_pin"],
            # This session carries over to the new PIN; every other one ends.
            unlock_secret=unlock_secret_from(request),
            request=request,
        )
    except VaultError as exc:
        add_domain_error(form, exc, field=exc.field or "pin")
        return _settings_page(request, pin_form=form, status=exc.status)
    messages.success(request, "Your PIN is changed. Use the new one next time you unlock. "
                              "Every other device was locked.")
    return redirect(reverse("settings") + "#pin")


@sensitive_post_parameters()
@unlocked_vault_required
@require_POST
@throttled("unlock")
def recovery_code_new_view(request):
    """A new recovery code for someone who still knows the PIN; shown once, with its sheet."""
    form = NewRecoveryCodeForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, recovery_form=form, status=400)
    try:
        new_code = vault_new_recovery_code(user=request.user, pin=form.cleaned_data["pin"], request=request)
    except VaultError as exc:
        add_domain_error(form, exc, field="pin")
        return _settings_page(request, recovery_form=form, status=exc.status)
    return recovery_code_page(request, new_code, first_time=False)


@unlocked_vault_required
@require_http_methods(["GET", "POST"])
def rotation_start_view(request):
    """GET (or a POST without `confirmed`): what the rotation does and how long it takes;
    a POST with `confirmed=yes` starts it."""
    form = RotationStartForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return redirect(reverse("settings") + "#keys")
    kind = form.cleaned_data["kind"]
    if request.POST.get("confirmed") != "yes":
        return render(request, "web/settings/confirm_rotation.html", {
            "form": form, "kind": kind, "estimate": rotation_estimate(user=request.user, kind=kind),
        })
    try:
        rotation_start(user=request.user, keys=request.vault_keys, kind=kind, request=request)
    except RotationError as exc:
        messages.error(request, exc.detail)
    else:
        started = "Re-encryption" if kind == RotationJob.Kind.REENCRYPT else "Key rotation"
        messages.success(request, f"{started} started. You can keep using your vault meanwhile.")
    return redirect(reverse("settings") + "#keys")


@unlocked_vault_required
@require_POST
def rotation_resume_view(request, job_id):
    try:
        rotation_resume(job=rotation_get(owner=request.user, job_id=job_id), actor=request.user, request=request)
    except RotationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "The rotation is running again, from where it stopped.")
    return redirect(reverse("settings") + "#keys")


@unlocked_vault_required
@require_POST
def token_create_view(request):
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _settings_page(request, token_form=form, status=400)
    if not submission_first(user_id=request.user.pk, form_name="token-create", once=form.cleaned_data["once"]):
        messages.info(request, "That token was made already, and its value was shown once. If you did not "
                               "copy it, revoke it below and make a new one.")
        return redirect(reverse("settings") + "#tokens")
    days = form.cleaned_data["expires_in_days"]
    expires_at = timezone.now() + timedelta(days=int(days)) if days else None
    try:
        issued = token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=expires_at,
            request=request,
        )
    except AccountError as exc:
        submission_forget(user_id=request.user.pk, form_name="token-create", once=form.cleaned_data["once"])
        add_domain_error(form, exc)
        return _settings_page(request, token_form=form, status=400)
    # Shown in this response only; only its hash is stored.
    return _settings_page(request, new_token=issued)


@unlocked_vault_required
@require_http_methods(["GET", "POST"])
def token_revoke_view(request, token_id: int):
    access_token = token_get(user=request.user, token_id=token_id)
    if access_token.revoked_at is not None:
        raise Http404
    if request.method == "POST":
        token_revoke(access_token=access_token, actor=request.user, request=request)
        messages.success(
            request, f"Token “{access_token.name}” revoked. Apps using it can no longer get in."
        )
        return redirect(reverse("settings") + "#tokens")
    return render(
        request,
        "web/settings/confirm_revoke.html",
        {"token": access_token, "scope_names": SCOPE_NAMES},
    )
