"""Resumable upload sessions (docs/files.md, "Resumable uploads"; docs/format.md §13).

A session is a File on its way in, across many requests: its id is the id the File
will have, its DEK is wrapped and its stream header made at the start, exactly as a
one-shot upload's, and its ciphertext parts wait in an open multipart upload of the
blob store. Nothing here is plaintext: the filename is sealed under the DEK, and a
part's digest is keyed by it.
"""

import uuid

from django.conf import settings
from django.db import models


class UploadSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)  # the File's id to be
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upload_sessions")
    # No foreign key: a record deleted meanwhile makes the finish answer 404, and leaves
    # the session for its expiry to clean, multipart upload and all.
    record_id = models.UUIDField(null=True, blank=True)
    role = models.CharField(max_length=16, blank=True, default="")
    replace = models.BooleanField(default=False)
    size = models.BigIntegerField()  # the declared plaintext size
    offset = models.BigIntegerField(default=0)  # plaintext bytes stored; advanced only after their parts are
    part_size = models.PositiveIntegerField()  # plaintext bytes per part (COFFER_UPLOAD_PART_SIZE at the start)
    declared_type = models.CharField(max_length=64, blank=True, default="")
    content_type = models.CharField(max_length=64, blank=True, default="")  # sniffed from part 1
    sealed_filename = models.BinaryField()
    blob_key = models.CharField(max_length=32, unique=True)
    storage_upload_id = models.CharField(max_length=1024)  # the store's multipart upload id
    vault_key_version = models.PositiveIntegerField()
    wrapped_dek = models.BinaryField()
    stream_header = models.BinaryField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"upload session {self.pk}"


class UploadPart(models.Model):
    """A part claimed by a segment: its plaintext's keyed digest, set before the part is
    sent, so that a part number is never sealed twice over different bytes (the stream's
    nonces are fixed by position); and the store's token once it is stored."""

    session = models.ForeignKey(UploadSession, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    digest = models.BinaryField()
    token = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "number"], name="upload_part_once")]
