"""Problems an app reports about what a user shared with it (docs/sharing.md, "Corrections").

The app's words are sealed to the user's X25519 key (corrections.sealing): the row holds
them only as `sealed_message`. Which record, field or scan role a correction is about, and
when it was resolved, are metadata in the clear, like a grant item's field names.
"""

import uuid

from django.conf import settings
from django.db import models


class Correction(models.Model):
    class Reason(models.TextChoices):
        CHANGED = "changed"  # the field, scan or record changed
        DISMISSED = "dismissed"  # the user dismissed it by hand

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="corrections")
    grant = models.ForeignKey("sharing.Grant", on_delete=models.CASCADE, related_name="corrections")
    # A deleted record takes its corrections with it: there is nothing left to correct.
    record = models.ForeignKey("records.Record", on_delete=models.CASCADE, related_name="corrections")
    # At most one of the two; neither: the whole record.
    field = models.CharField(max_length=64, blank=True)
    scan_role = models.CharField(max_length=16, blank=True)
    # 0x01 || crypto_box_seal(binding || message, user's X25519 key); docs/format.md §13.
    sealed_message = models.BinaryField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["record", "resolved_at"], name="correction_record_resolved"),
            models.Index(fields=["grant", "created_at"], name="correction_grant_created"),
            models.Index(fields=["owner", "resolved_at"], name="correction_owner_resolved"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(field="") | models.Q(scan_role=""), name="correction_field_or_role",
            ),
            models.CheckConstraint(
                condition=(models.Q(resolved_at__isnull=True, resolved_reason=""))
                | (models.Q(resolved_at__isnull=False) & ~models.Q(resolved_reason="")),
                name="correction_resolved_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"correction {self.pk} of record {self.record_id}"

    @property
    def state(self) -> str:
        return "open" if self.resolved_at is None else "resolved"

    @property
    def about(self) -> str:
        """"field", "scan" or "record": what the app asks to check."""
        return "field" if self.field else "scan" if self.scan_role else "record"
