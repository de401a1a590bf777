"""Document files. The bytes live in the blob store, encrypted; the row holds what
finds and opens them. Only metadata is in the clear: sizes, type, times, key versions."""

import uuid

from django.conf import settings
from django.db import models

from records.schemas.base import SINGLE_SCAN_ROLES


class File(models.Model):
    """One uploaded document, encrypted under its own data key (DEK).

    The blob under `blob_key` is a stream in the format of docs/format-stream.md,
    bound to (owner, file id, `dek_version`). The DEK is wrapped by the owner's
    vault key of version `vault_key_version`; the original filename is sealed
    under the DEK. A row only exists once its blob is fully written.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="files")
    # Detaching, not deleting: removing a record must not silently destroy scans.
    record = models.ForeignKey(
        "records.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    # The file's role in its record's document (records.schemas.base.SCAN_ROLES), or ""
    # for a file that is no scan of a role. Cleared when the file is detached.
    role = models.CharField(max_length=16, blank=True, default="")
    blob_key = models.CharField(max_length=32, unique=True)
    content_type = models.CharField(max_length=64)  # the sniffed type, never the declared one
    plaintext_size = models.BigIntegerField()
    ciphertext_size = models.BigIntegerField()
    created_at = models.DateTimeField()

    vault_key_version = models.PositiveIntegerField()
    dek_version = models.PositiveIntegerField(default=1)
    wrapped_dek = models.BinaryField()
    sealed_filename = models.BinaryField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="file_owner_created")]
        constraints = [
            # The last word on "one front per record", whatever raced past the service's check.
            models.UniqueConstraint(
                fields=["record", "role"], condition=models.Q(role__in=SINGLE_SCAN_ROLES), name="file_one_scan_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type} file {self.pk}"
