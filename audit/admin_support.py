"""Admin building blocks for Coffer: audited views, read-only models, confirmed actions.

Every admin class in Coffer names its fields in allowlists (`fields`,
`list_display`, `readonly_fields`), never with `exclude`, so a column added to a
model later stays out of the admin until someone lists it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from coffer.errors import DomainError

from .services import NO_SUBJECT, audit_record

MAX_QUERY_PARAMS = 20
MAX_QUERY_VALUE = 100


def _query_summary(request) -> dict[str, str]:
    items = list(request.GET.items())[:MAX_QUERY_PARAMS]
    return {key[:MAX_QUERY_VALUE]: value[:MAX_QUERY_VALUE] for key, value in items}


def record_admin_view(request, *, view: str, model: str, target_kind: str = "", target_id: Any = "",
                      subject: Any = NO_SUBJECT, details: dict | None = None) -> None:
    """An admin looked at metadata: `admin.view` with what, whose, and which page."""
    audit_record(
        action="admin.view", actor=request.user, subject=subject, request=request, target_kind=target_kind,
        target_id=target_id, details={"view": view, "model": model, **(details or {})},
    )


def record_admin_action(request, *, name: str, target_kind: str, target_id: Any = "", subject: Any = NO_SUBJECT,
                        outcome: str = "success", details: dict | None = None) -> None:
    audit_record(
        action=f"admin.{name}", outcome=outcome, actor=request.user, subject=subject, request=request,
        target_kind=target_kind, target_id=target_id, details=details,
    )


class AuditedModelAdmin(admin.ModelAdmin):
    """Each changelist and change page shown is an `admin.view` event naming the objects and their owners.

    History pages are refused unless `allow_history` (they would show admin log
    entries for objects an admin cannot change anyway).
    """

    audit_target_kind = ""
    audit_views = True
    allow_history = False
    change_form_template = "admin/coffer/change_form.html"
    show_full_result_count = False

    def audit_owner_id(self, obj) -> int | None:
        """The id of the user whose metadata `obj` is."""
        return getattr(obj, "owner_id", None)

    def _model_label(self) -> str:
        return self.model._meta.label_lower

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", None) and response.context_data.get("cl")
        if self.audit_views and response.status_code == 200 and changelist is not None:
            shown = list(changelist.result_list)
            owners = sorted({o for o in map(self.audit_owner_id, shown) if o is not None})
            record_admin_view(
                request, view="changelist", model=self._model_label(), target_kind=self.audit_target_kind,
                subject=owners[0] if len(owners) == 1 else NO_SUBJECT,
                details={"object_ids": [str(obj.pk) for obj in shown], "user_ids": owners,
                         "query": _query_summary(request)},
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "coffer_allow_history": self.allow_history}
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", None) and response.context_data.get("original")
        if self.audit_views and request.method == "GET" and response.status_code == 200 and original is not None:
            owner = self.audit_owner_id(original)
            record_admin_view(
                request, view="change", model=self._model_label(), target_kind=self.audit_target_kind,
                target_id=original.pk, subject=owner if owner is not None else NO_SUBJECT,
            )
        return response

    def history_view(self, request, object_id, extra_context=None):
        if not self.allow_history:
            raise PermissionDenied
        response = super().history_view(request, object_id, extra_context)
        obj = getattr(response, "context_data", None) and response.context_data.get("object")
        if response.status_code == 200 and obj is not None:
            owner = self.audit_owner_id(obj)
            record_admin_view(
                request, view="history", model=self._model_label(), target_kind=self.audit_target_kind,
                target_id=obj.pk, subject=owner if owner is not None else NO_SUBJECT,
            )
        return response


class ReadOnlyModelAdmin(AuditedModelAdmin):
    """Viewable only: no add, change or delete, whatever the staff member's permissions."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def confirmed_action(
    *, name: str, description: str, permission: str, target_kind: str,
    perform: Callable[[Any, Any], dict | None], owner_of: Callable[[Any], Any], explanation: str,
):
    """A changelist action that first shows a confirmation page, then audits each object it acts on.

    `perform(request, obj)` does the work through a service and may return audit
    details; a DomainError it raises is reported and audited as a failure.
    `permission` names a `has_<permission>_permission(request)` on the ModelAdmin.
    """

    @admin.action(description=description, permissions=[permission])
    def action(modeladmin, request, queryset):
        objects = list(queryset)
        if request.POST.get("confirmed") != "yes":
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": f"{description}: are you sure?",
                "explanation": explanation,
                "objects": objects,
                "action_name": name,
                "opts": modeladmin.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
            }
            return TemplateResponse(request, "admin/coffer/confirm_action.html", context)
        done, refused = 0, []
        for obj in objects:
            try:
                details = perform(request, obj) or {}
            except DomainError as exc:
                refused.append(f"{obj}: {exc.detail}")
                record_admin_action(request, name=name, target_kind=target_kind, target_id=obj.pk,
                                    subject=owner_of(obj), outcome="failure", details={"reason": exc.code})
                continue
            done += 1
            record_admin_action(request, name=name, target_kind=target_kind, target_id=obj.pk,
                                subject=owner_of(obj), details=details)
        if done:
            modeladmin.message_user(request, f"{description}: done for {done} item(s).", messages.SUCCESS)
        for line in refused:
            modeladmin.message_user(request, line, messages.WARNING)
        return None

    action.__name__ = name
    return action


def confirmed_operation(
    modeladmin, request, *, name: str, title: str, allowed: bool, explanation: list[str],
    perform: Callable[[Any], tuple[str, dict]], target_kind: str, done_url: str | None = None,
):
    """A server-wide admin operation: GET shows what it will do, POST with confirmation runs and audits it.

    `perform(request)` returns (message for the admin, audit details); a
    DomainError it raises is shown and audited as a failure.
    """
    if not allowed:
        raise PermissionDenied
    done_url = done_url or reverse(
        f"admin:{modeladmin.model._meta.app_label}_{modeladmin.model._meta.model_name}_changelist"
    )
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        try:
            message, details = perform(request)
        except DomainError as exc:
            record_admin_action(request, name=name, target_kind=target_kind, outcome="failure",
                                details={"reason": exc.code})
            modeladmin.message_user(request, exc.detail, messages.ERROR)
        else:
            record_admin_action(request, name=name, target_kind=target_kind, details=details)
            modeladmin.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(done_url)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "explanation": explanation,
        "opts": modeladmin.model._meta,
        "cancel_url": done_url,
    }
    return TemplateResponse(request, "admin/coffer/confirm_operation.html", context)
