"""Files in the admin: type, sizes, time, key versions, owner and record. Never the
filename, the bytes, the wrapped DEK or the object key, and nothing an admin can edit."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from audit.admin_support import ReadOnlyModelAdmin

from .models import File

METADATA_FIELDS = (
    "id", "owner", "record", "content_type", "plaintext_size", "ciphertext_size", "created_at",
    "vault_key_version", "dek_version",
)


@admin.register(File)
class FileAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "file"
    list_display = ("id", "owner_link", "content_type", "plaintext_size", "ciphertext_size", "vault_key_version",
                    "dek_version", "created_at")
    list_filter = ("content_type", "vault_key_version", "created_at")
    search_fields = ("=id", "owner__username")
    fields = ("id", "owner_link", "record_link", "content_type", "plaintext_size", "ciphertext_size",
              "vault_key_version", "dek_version", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").only(*METADATA_FIELDS, "owner__username")

    @admin.display(description="owner", ordering="owner__username")
    def owner_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:auth_user_change", args=[obj.owner_id]),
                           obj.owner.username)

    @admin.display(description="record")
    def record_link(self, obj) -> str:
        if obj.record_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:records_record_change", args=[obj.record_id]),
                           obj.record_id)
