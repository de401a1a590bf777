"""Records. Only metadata is in the clear; the label and data live in `ciphertext`."""

import uuid

from django.conf import settings
from django.db import models


class Record(models.Model):
    """One typed record, sealed under its own data key (DEK).

    The DEK is wrapped by the owner's vault key of version `vault_key_version`;
    the payload is sealed under DEK version `dek_version`. Both seals bind the
    record id (and the payload its kind and schema version), so neither opens
    in another row. See docs/records.md and docs/format.md.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=32)
    schema_version = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Bumped on every content change; the ETag is derived from it.
    revision = models.PositiveIntegerField(default=1)

    vault_key_version = models.PositiveIntegerField()
    dek_version = models.PositiveIntegerField(default=1)
    wrapped_dek = models.BinaryField()
    ciphertext = models.BinaryField()
    ciphertext_size = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        # The list's whole order, id included: a page is read in index order, never sorted,
        # and a late page's ids come from the index alone (coffer/api/pagination.py).
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"], name="record_owner_created_id"),
            models.Index(fields=["owner", "kind", "-created_at", "-id"], name="record_owner_kind_created_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} record {self.pk}"
