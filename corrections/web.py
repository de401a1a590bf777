"""The one web action of corrections: dismissing one by hand, from the record page or the
Sharing page. The lists themselves come in through template tags (templatetags)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from coffer.errors import DomainError
from records.errors import RecordNotFound

from .services import correction_dismiss


@login_required
@require_POST
def dismiss_view(request, record_id, correction_id):
    try:
        correction_dismiss(owner=request.user, record_id=record_id, correction_id=correction_id, request=request)
    except (RecordNotFound, DomainError):
        raise Http404 from None
    messages.success(request, "Problem dismissed. The app sees it as resolved.")
    if request.POST.get("back") == "sharing":
        return redirect("sharing")
    return redirect("record-detail", record_id=record_id)
