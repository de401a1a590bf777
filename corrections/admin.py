"""Corrections in the admin: which record, field or scan role, which grant, when, and what
became of them. Never the sealed message, and nothing an admin can change."""

from django.contrib import admin

from audit.admin_support import ReadOnlyModelAdmin

from .models import Correction

METADATA_FIELDS = ("id", "owner", "grant", "record", "field", "scan_role", "created_at", "resolved_at",
                   "resolved_reason")


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "correction"
    list_display = ("id", "owner", "grant_id", "record_id", "field", "scan_role", "created_at", "resolved_at",
                    "resolved_reason")
    list_filter = ("resolved_reason", "created_at")
    search_fields = ("=id", "owner__username")
    fields = ("id", "owner", "grant_id", "record_id", "field", "scan_role", "created_at", "resolved_at",
              "resolved_reason")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").only(*METADATA_FIELDS, "owner__username")
