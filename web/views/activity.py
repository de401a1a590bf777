"""Activity: the person's own audit events. Metadata only, so the vault may stay locked."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.export import FORMATS, audit_export_own
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


@login_required
@require_GET
def activity_download(request, fmt: str):
    """The person's own events as JSON Lines or CSV, with their hashes (docs/audit.md shows how to check them)."""
    if fmt not in FORMATS:
        raise Http404
    response = StreamingHttpResponse(
        audit_export_own(user=request.user, fmt=fmt, request=request),
        content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="coffer-activity.{fmt}"'
    return response
