"""Erasure jobs, read-only: counts, times and state. No object key, no user."""

from django.contrib import admin

from audit.admin_support import ReadOnlyModelAdmin

from .models import ErasureJob


@admin.register(ErasureJob)
class ErasureJobAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "erasure_job"
    list_display = ("id", "state", "blobs_total", "blobs_remaining", "attempts", "last_error", "created_at",
                    "last_attempt_at", "finished_at")
    list_filter = ("state", "created_at")
    fields = ("id", "state", "blobs_total", "blobs_remaining", "attempts", "last_error", "created_at",
              "last_attempt_at", "updated_at", "finished_at")
    readonly_fields = fields

    def get_queryset(self, request):
        # pending_blob_keys is read for its length only; the keys are never shown.
        return super().get_queryset(request)

    def audit_owner_id(self, obj) -> None:
        return None  # the account is gone; the job is its tombstone

    @admin.display(description="objects left")
    def blobs_remaining(self, obj) -> int:
        return obj.blobs_remaining
