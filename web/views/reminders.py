"""One record's reminders switch, on its page (docs/reminders.md)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from records.errors import RecordNotFound
from reminders.selectors import reminder_setting_get
from reminders.services import REMINDABLE_KINDS, reminder_choice_set, reminders_wanted
from vault.crypto.errors import IntegrityError

from ..decorators import unlocked_vault_required


def reminder_switch(request, opened) -> dict | None:
    """What the record page shows: None when reminders are off or the kind has no expiry."""
    kind = opened.record.kind
    if kind not in REMINDABLE_KINDS or not reminder_setting_get(user=request.user).enabled:
        return None
    return {"on": reminders_wanted(owner=request.user, keys=request.vault_keys, record_id=opened.record.pk, kind=kind)}


@unlocked_vault_required
@require_POST
def record_reminders_view(request, record_id):
    on = request.POST.get("on") == "1"
    try:
        reminder_choice_set(owner=request.user, keys=request.vault_keys, record_id=record_id, on=on)
    except (RecordNotFound, IntegrityError):
        raise Http404 from None
    messages.success(request, "This record will remind you before it expires." if on
                     else "This record will not remind you.")
    return redirect("record-detail", record_id=record_id)
