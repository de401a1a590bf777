"""Stored consistency reports, read-only, and the superuser's "run it now"."""

from django.contrib import admin
from django.urls import path
from django.utils.html import format_html_join

from audit.admin_support import ReadOnlyModelAdmin, confirmed_operation

from .models import CheckRun
from .report import CHECKS
from .tasks import consistency_check_run


def _start_check(request) -> tuple[str, dict]:
    consistency_check_run.delay(trigger=CheckRun.Trigger.ADMIN, actor_id=request.user.pk)
    return "Consistency check started; its report appears here when it ends.", {"trigger": CheckRun.Trigger.ADMIN}


def _ids_shown(result: dict) -> str:
    ids = result["ids"]
    return f"; ids ({len(ids)} of {result['wrong']}): {', '.join(ids)}" if ids else ""


@admin.register(CheckRun)
class CheckRunAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "consistency_report"
    change_list_template = "admin/consistency/checkrun/change_list.html"
    list_display = ("started_at", "trigger", "outcome", "wrong", "counts", "finished_at")
    list_filter = ("clean", "trigger", "started_at")
    fields = ("started_at", "finished_at", "trigger", "outcome", "wrong", "checks")
    readonly_fields = fields

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("run/", view(self.run_view), name="consistency_checkrun_run"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_run_check": request.user.is_superuser}
        return super().changelist_view(request, extra_context)

    def run_view(self, request):
        return confirmed_operation(
            self, request, name="consistency_check", title="Run the consistency check now",
            allowed=request.user.is_superuser, target_kind="consistency_report", perform=_start_check,
            explanation=[
                "Checks, in the background, that every file's object exists with its size and header, that every "
                "record and file is wrapped under a vault key version that exists, that every server share opens "
                "with the keyring, and that every rotation job can resume.",
                "It reads only: nothing is repaired, decrypted or shown but counts and ids.",
            ],
        )

    @admin.display(description="outcome", boolean=False, ordering="clean")
    def outcome(self, obj) -> str:
        return "clean" if obj.clean else "problems found"

    @admin.display(description="wrong / checked per check")
    def counts(self, obj) -> str:
        wrong = [f"{r['check']} {r['wrong']}/{r['checked']}" for r in obj.results if r["wrong"]]
        return ", ".join(wrong) or "none wrong"

    @admin.display(description="checks")
    def checks(self, obj):
        return format_html_join(
            "", "<p><strong>{}</strong>: {} checked, {} wrong{}<br><small>{}</small></p>",
            ((r["check"], r["checked"], r["wrong"], _ids_shown(r), CHECKS.get(r["check"], "")) for r in obj.results),
        )
