"""The vault's own pages: set a PIN, unlock, lock, recover, and the vault home."""

import base64
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import AccountError
from coffer.limits import throttled
from records.selectors import SEARCH_MAX_LENGTH, record_list, record_open_many, search_matches
from vault.api.unlocking import clear_unlock_cookie, set_unlock_cookie, unlock_secret_from
from vault.selectors import vault_state
from vault.services import (
    VaultError,
    VaultLocked,
    vault_get,
    vault_keys,
    vault_lock,
    vault_reauthorize,
    vault_recover,
    vault_setup,
    vault_unlock,
)

from ..decorators import autolock, unlocked_vault_required
from ..documents import document_count, document_counts_by_record
from ..forms import (
    PinSetupForm,
    ReauthorizeForm,
    RecoverForm,
    RecoveryCodeSavedForm,
    UnlockForm,
    add_domain_error,
)
from ..presenting import KIND_INFO, group_rows, record_row
from ..recovery_sheet import recovery_sheet_pdf
from reminders.selectors import reminders_to_show
from ..redirects import safe_next


@unlocked_vault_required
@require_GET
def home_view(request):
    opened = record_open_many(
        records=record_list(owner=request.user), keys=request.vault_keys, request=request
    )
    documents = document_counts_by_record(owner=request.user)
    rows = [replace(row, documents=documents.get(row.id, 0)) for row in map(record_row, opened)]
    # Search: the same decrypt-and-match as GET /api/v1/records/?q= (docs/records.md, Search).
    query = request.GET.get("q", "")
    query_error = f"Search for at most {SEARCH_MAX_LENGTH} characters." if len(query) > SEARCH_MAX_LENGTH else ""
    searching = bool(query.strip()) and not query_error
    shown = [row for row, item in zip(rows, opened) if search_matches(item, query)] if searching else rows
    expiring = request.GET.get("expiring") == "soon"
    if expiring:
        shown = [row for row in shown if row.expires_soon]
    context = {
        "groups": group_rows(shown),
        "record_count": len(rows),
        "expired_count": sum(row.expired for row in rows),
        "expiring_count": sum(row.expires_soon for row in rows),
        "expiring": expiring,
        "document_count": document_count(owner=request.user),
        "kinds": KIND_INFO.values(),
        "query": query[:SEARCH_MAX_LENGTH],
        "query_error": query_error,
        "searching": searching,
        "found_count": len(shown),
        "search_max_length": SEARCH_MAX_LENGTH,
        "reminder_dates": reminders_to_show(owner=request.user),
    }
    return render(request, "web/vault/home.html", context, status=400 if query_error else 200)


# ---- set a PIN ----


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def setup_view(request):
    if vault_get(user=request.user) is not None:
        return redirect("home")
    form = PinSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = vault_setup(user=request.user, pin=form.cleaned_data["pin"], request=request)
        except VaultError as exc:
            if exc.code == "vault_exists":
                return redirect("home")
            add_domain_error(form, exc)
        else:
            # The code is in this response only: never in the session, a cookie or a URL.
            return recovery_code_page(request, result.recovery_code, first_time=True)
    return render(
        request, "web/vault/setup.html", {"form": form}, status=400 if form.errors else 200
    )


def recovery_code_page(request, recovery_code: str, *, first_time: bool):
    """The code, once, with its recovery sheet (a PDF in the page itself, as a data: link)
    and the form that asks for its last group back."""
    sheet = recovery_sheet_pdf(recovery_code=recovery_code, username=request.user.get_username(),
                               server=request.get_host(), made_on=timezone.localdate())
    return render(request, "web/vault/recovery_code.html", {
        "recovery_code": recovery_code,
        "sheet_href": "data:application/pdf;base64," + base64.b64encode(sheet).decode("ascii"),
        "form": RecoveryCodeSavedForm.for_code(user_id=request.user.pk, recovery_code=recovery_code),
        "first_time": first_time,
    })


@login_required
@require_POST
def recovery_code_saved_view(request):
    """After the recovery code was shown: on to the unlock page. The page's script lets
    Continue through only once the last group matches; this says so if it did not."""
    form = RecoveryCodeSavedForm(request.POST)
    if form.is_valid() and form.matches(user_id=request.user.pk):
        messages.success(request, "All set. Unlock your vault with your PIN.")
    else:
        messages.warning(
            request,
            "Those were not the last four characters of your recovery code. Check what you wrote "
            "down: without the code, forgetting your PIN means losing what is in your vault.",
        )
    return redirect("unlock")


# ---- unlock ----


def _unlock_page(request, *, form=None, reauth_form=None, status=200):
    state = vault_state(user=request.user, unlock_secret=None)
    context = {
        "state": state,
        "form": form or UnlockForm(),
        "reauth_form": reauth_form or ReauthorizeForm(),
        "next": safe_next(request, default=""),
    }
    return render(request, "web/vault/unlock.html", context, status=status)


def _unlock_refusal(exc: VaultError) -> str | None:
    """What to say next to the PIN field. The page itself shows any countdown or lock-out."""
    if exc.code == "wrong_pin":
        remaining = exc.extra["attempts_remaining"]
        return f"Wrong PIN. {remaining} tr{'y' if remaining == 1 else 'ies'} left before lock-out."
    if exc.code == "pin_backoff":
        return "Wait until the countdown ends, then try again."
    if exc.code == "locked_out":
        return None
    return exc.detail


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@throttled("unlock")
def unlock_view(request):
    if vault_get(user=request.user) is None:
        return redirect("vault-setup")
    if request.method == "GET":
        try:
            vault_keys(user=request.user, unlock_secret=unlock_secret_from(request))
        except VaultLocked:
            return _unlock_page(request)
        return redirect(safe_next(request))
    form = UnlockForm(request.POST)
    if not form.is_valid():
        return _unlock_page(request, form=form, status=400)
    try:
        session = vault_unlock(user=request.user, pin=form.cleaned_data["pin"], request=request)
    except VaultError as exc:
        if refusal := _unlock_refusal(exc):
            form.add_error("pin", refusal)
        return _unlock_page(request, form=form, status=exc.status)
    response = redirect(safe_next(request))
    set_unlock_cookie(response, session)
    return response


@sensitive_post_parameters()
@login_required
@require_POST
@throttled("login")
def reauthorize_view(request):
    form = ReauthorizeForm(request.POST)
    if form.is_valid():
        try:
            vault_reauthorize(
                user=request.user, password=form.cleaned_data["password"], request=request
            )
        except AccountError:
            form.add_error("password", "That is not your account password.")
        else:
            messages.success(request, "Thanks. You can enter your PIN again.")
            return redirect("unlock")
    return _unlock_page(request, reauth_form=form, status=400)


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@throttled("unlock")
def recover_view(request):
    if vault_get(user=request.user) is None:
        return redirect("vault-setup")
    form = RecoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_code = vault_recover(
                user=request.user,
                recovery_code=form.cleaned_data["recovery_code"],
                new_pin=form.cleaned_data["new_pin"],
                request=request,
            )
        except VaultError as exc:
            add_domain_error(form, exc)
        else:
            response = recovery_code_page(request, new_code, first_time=False)
            clear_unlock_cookie(response)
            return response
    return render(
        request, "web/vault/recover.html", {"form": form}, status=400 if form.errors else 200
    )


# ---- lock ----


@login_required
@require_POST
def lock_view(request):
    vault_lock(user=request.user, unlock_secret=unlock_secret_from(request), request=request)
    if request.POST.get("reason") == "idle":
        messages.info(request, "Your vault locked itself after a while without activity.")
    else:
        messages.info(request, "Your vault is locked.")
    target = safe_next(request, default="")
    response = redirect(reverse("unlock") + (f"?{urlencode({'next': target})}" if target else ""))
    clear_unlock_cookie(response)
    return response


@login_required
@require_POST
def keepalive_view(request):
    """The page saw someone typing or clicking: keep the unlock session from idling out.

    Answers the new countdown, or 423 when the vault is already locked.
    """
    unlock_secret = unlock_secret_from(request)
    try:
        vault_keys(user=request.user, unlock_secret=unlock_secret)
    except VaultLocked:
        return JsonResponse({"locked": True}, status=423)
    return JsonResponse({"locked": False, **(autolock(request.user, unlock_secret) or {})})
