"""Account: Devices and access. Web sign-ins, unlocked vaults and API tokens in one list,
each ended by a POST (docs/accounts.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from access import selectors, services

_ENDED = {
    selectors.WEB: "That sign-in has ended: the browser is signed out.",
    selectors.UNLOCK: "That unlocked vault is locked again.",
    selectors.TOKEN: "The token is revoked. Apps using it can no longer reach your account.",
}


def _end(request, *, kind: str, entry_id: str) -> None:
    """Raises Http404 for anything not this user's, or not live."""
    user = request.user
    epoch = selectors.current_epoch(user=user)
    if kind == selectors.UNLOCK:
        record = selectors.unlock_session_get(user=user, session_id=entry_id)
        services.unlock_session_end(record=record, current_epoch=epoch, request=request)
    elif kind == selectors.WEB and entry_id.isdigit():
        web_session = selectors.web_session_get(user=user, web_session_id=int(entry_id))
        services.web_session_end(user_session=web_session, current_epoch=epoch, request=request)
    elif kind == selectors.TOKEN and entry_id.isdigit():
        token = selectors.live_token_get(user=user, token_id=int(entry_id))
        services.access_token_revoke(access_token=token, current_epoch=epoch, request=request)
    else:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def devices_view(request):
    if request.method == "POST":
        if request.POST.get("action") == "tokens_reviewed":
            services.tokens_reviewed(user=request.user, request=request)
            return redirect("account_devices")
        kind = request.POST.get("kind", "")
        _end(request, kind=kind, entry_id=request.POST.get("id", ""))
        if not request.user.is_authenticated:  # it was this browser's own sign-in
            return redirect("account_login")
        messages.success(request, _ENDED[kind])
        return redirect("account_devices")
    context = {
        "entries": selectors.access_list(user=request.user, request=request),
        "review_tokens": selectors.tokens_need_review(user=request.user),
    }
    return render(request, "web/account/devices.html", context)


@login_required
@require_POST
def unlock_session_end_view(request, session_id: str):
    _end(request, kind=selectors.UNLOCK, entry_id=session_id)
    messages.success(request, _ENDED[selectors.UNLOCK])
    return redirect("account_devices")
