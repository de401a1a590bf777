"""Records in the admin: kind, sizes, times, key versions and owner. Never the label,
the data, the ciphertext or the wrapped DEK, and nothing an admin can edit."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from audit.admin_support import ReadOnlyModelAdmin

from .models import Record

METADATA_FIELDS = (
    "id", "owner", "kind", "schema_version", "created_at", "updated_at", "revision", "vault_key_version",
    "dek_version", "ciphertext_size",
)


@admin.register(Record)
class RecordAdmin(ReadOnlyModelAdmin):
    audit_target_kind = "record"
    list_display = ("id", "owner_link", "kind", "ciphertext_size", "vault_key_version", "dek_version", "revision",
                    "created_at", "updated_at")
    list_filter = ("kind", "vault_key_version", "created_at")
    search_fields = ("=id", "owner__username")
    fields = ("id", "owner_link", "kind", "schema_version", "ciphertext_size", "vault_key_version", "dek_version",
              "revision", "created_at", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner").only(*METADATA_FIELDS, "owner__username")

    @admin.display(description="owner", ordering="owner__username")
    def owner_link(self, obj) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:auth_user_change", args=[obj.owner_id]),
                           obj.owner.username)
