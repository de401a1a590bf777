"""The audit log in the admin: read-only events, the chain's status, checkpoints, exports.

Nobody can add, change or delete an event or a checkpoint here (and the database
refuses it too). Looking at the log is itself an `admin.view` event.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timezone

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from .admin_support import ReadOnlyModelAdmin, confirmed_operation, record_admin_action
from .checkpoints import VALID, ChainBroken, audit_public_keys, checkpoint_create, checkpoint_signature_state
from .export import FORMATS, ExportQuery, audit_export_count, audit_export_lines
from .hashing import event_hash
from .models import AuditEvent, Checkpoint
from .services import NO_SUBJECT, event_fields
from .verification import audit_chain_status, audit_verify_recorded

User = get_user_model()


class ExportForm(forms.Form):
    start = forms.DateField(required=False, label="From (UTC, inclusive)",
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To (UTC, exclusive)", widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.CharField(required=False, max_length=150, label="User (username or id)",
                           help_text="Events by or about this user. Leave empty for every event in the range.")
    format = forms.ChoiceField(choices=[(f, f.upper() if f == "csv" else "JSON Lines") for f in FORMATS])

    def clean_user(self) -> int | None:
        text = self.cleaned_data["user"].strip()
        if not text:
            return None
        user = User.objects.filter(username=text).only("id").first()
        if user is not None:
            return user.pk
        if text.isdigit():
            return int(text)
        raise forms.ValidationError("No such user.")

    def query(self) -> ExportQuery:
        def moment(day):
            return datetime.combine(day, time.min, tzinfo=timezone.utc) if day else None

        data = self.cleaned_data
        return ExportQuery(start=moment(data["start"]), end=moment(data["end"]), user_id=data["user"])


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "audit_event"
    change_list_template = "admin/audit/auditevent_change_list.html"
    date_hierarchy = "created_at"
    list_display = ("id", "when", "actor_link", "action", "outcome", "subject_link", "target", "ip_address",
                    "summary", "short_hash")
    list_filter = ("action", "outcome", "target_kind", "created_at")
    search_fields = ("action", "=actor_label", "=target_id")
    fields = ("id", "when", "actor_link", "action", "outcome", "subject_link", "ip_address", "target_kind",
              "target_id", "details_json", "prev_hash", "hash", "link_status")
    readonly_fields = fields
    list_per_page = 100

    def get_queryset(self, request):
        usernames = User.objects.filter(pk=OuterRef("subject_user_id")).values("username")[:1]
        return super().get_queryset(request).annotate(subject_username=Subquery(usernames))

    def audit_owner_id(self, obj) -> int | None:
        return obj.subject_user_id

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("verify/", view(self.verify_view), name="audit_auditevent_verify"),
            path("checkpoint/", view(self.checkpoint_view), name="audit_auditevent_checkpoint"),
            path("export/", view(self.export_view), name="audit_auditevent_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "chain": audit_chain_status() if self.has_view_permission(request) else None,
            "can_verify": request.user.has_perm("audit.verify_auditevent"),
            "can_checkpoint": request.user.has_perm("audit.add_checkpoint"),
            "can_export": request.user.has_perm("audit.export_auditevent"),
        }
        return super().changelist_view(request, extra_context)

    # ---- operations ----

    def verify_view(self, request):
        def perform(request):
            report = audit_verify_recorded(actor=request.user, request=request)
            return report.summary(), {"ok": report.ok, "last_event_id": report.last_event_id}

        return confirmed_operation(
            self, request, name="verify_audit", title="Verify the whole audit chain",
            allowed=request.user.has_perm("audit.verify_auditevent"), target_kind="audit_chain", perform=perform,
            explanation=["Walks every event from the first, recomputes each hash, checks each link and each "
                         "checkpoint signature, and records the result as an audit.verify event.",
                         "On a long chain this takes a while; `manage.py verify_audit` does the same."],
        )

    def checkpoint_view(self, request):
        def perform(request):
            try:
                checkpoint = checkpoint_create()
            except ChainBroken as exc:
                return f"No checkpoint signed: {exc}", {"signed": False}
            if checkpoint is None:
                return "The chain is empty: nothing to sign.", {"signed": False}
            return (f"Checkpoint #{checkpoint.pk} covers the chain up to event {checkpoint.last_event_id}.",
                    {"signed": True, "checkpoint_id": checkpoint.pk, "last_event_id": checkpoint.last_event_id})

        return confirmed_operation(
            self, request, name="checkpoint", title="Sign a checkpoint now",
            allowed=request.user.has_perm("audit.add_checkpoint"), target_kind="audit_chain", perform=perform,
            explanation=["Verifies the chain since the last checkpoint, then signs its head with the server "
                         "keyring's checkpoint key. Celery beat does this every few minutes anyway."],
        )

    def export_view(self, request):
        if not request.user.has_perm("audit.export_auditevent"):
            raise PermissionDenied
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            query, fmt = form.query(), form.cleaned_data["format"]
            record_admin_action(
                request, name="export", target_kind="audit_chain",
                subject=query.user_id if query.user_id is not None else NO_SUBJECT,
                details={**query.as_dict(), "format": fmt, "events": audit_export_count(query)},
            )
            response = StreamingHttpResponse(
                audit_export_lines(query, fmt),
                content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl; charset=utf-8",
            )
            response["Content-Disposition"] = f'attachment; filename="coffer-audit.{fmt}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Export audit events",
            "form": form,
            "opts": self.model._meta,
            "public_keys": {v: k.hex() for v, k in sorted(audit_public_keys().items())},
        }
        return TemplateResponse(request, "admin/audit/export.html", context)

    # ---- columns ----

    @admin.display(description="when (UTC)", ordering="created_at")
    def when(self, obj) -> str:
        # Seconds are enough to read; the export keeps the exact time.
        return obj.created_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="actor", ordering="actor_label")
    def actor_link(self, obj) -> str:
        if obj.actor_id is None:
            return "—"
        url = reverse("admin:auth_user_change", args=[obj.actor_id])
        return format_html('<a href="{}">{}</a>', url, obj.actor_label or f"#{obj.actor_id}")

    @admin.display(description="subject", ordering="subject_user_id")
    def subject_link(self, obj) -> str:
        if obj.subject_user_id is None:
            return "—"
        url = reverse("admin:audit_auditevent_changelist") + f"?subject_user_id={obj.subject_user_id}"
        return format_html('<a href="{}">{}</a>', url, obj.subject_username or f"#{obj.subject_user_id} (deleted)")

    @admin.display(description="target")
    def target(self, obj) -> str:
        # A UUID is shown by its first group, whole in the tooltip, so the list fits at 1280 px.
        if len(obj.target_id) > 12:
            return format_html('{} <span title="{}">{}…</span>', obj.target_kind, obj.target_id, obj.target_id[:8])
        return f"{obj.target_kind} {obj.target_id}".strip() or "—"

    @admin.display(description="details")
    def summary(self, obj) -> str:
        text = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in sorted(obj.details.items()))
        return text if len(text) <= 120 else text[:119] + "…"

    @admin.display(description="hash")
    def short_hash(self, obj) -> str:
        return obj.hash[:12]

    @admin.display(description="details")
    def details_json(self, obj) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.details, indent=2, sort_keys=True, ensure_ascii=False))

    @admin.display(description="this event")
    def link_status(self, obj) -> str:
        if event_hash(obj.prev_hash, event_fields(obj)) != obj.hash:
            return "ALTERED: its hash does not match its contents"
        previous = AuditEvent.objects.filter(id=obj.pk - 1).values_list("hash", flat=True).first()
        if obj.pk > 1 and previous is None:
            return "the event before it is missing"
        if obj.pk > 1 and previous != obj.prev_hash:
            return "the event before it was altered"
        return "its hash matches its contents and links to the event before it"


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyModelAdmin):
    list_display = ("id", "created_at", "last_event_id", "last_hash", "key_version", "signature_state")
    fields = ("id", "created_at", "last_event_id", "last_hash", "key_version", "signature", "signature_state")
    readonly_fields = fields
    audit_views = False  # no user's metadata here

    @admin.display(description="signature")
    def signature_state(self, obj) -> str:
        state = checkpoint_signature_state(obj)
        return "valid" if state == VALID else state.replace("_", " ").upper()
