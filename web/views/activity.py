"""Activity: the person's own audit events. Metadata only, so the vault may stay locked."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.selectors import audit_events_for_user

from ..decorators import shows_lock_state
from ..event_text import describe_event

PAGE_SIZE = 50


@shows_lock_state
@require_GET
def activity_view(request):
    page = Paginator(audit_events_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    events = [describe_event(event) for event in page.object_list]
    return render(request, "web/activity/list.html", {"page": page, "events": events})
