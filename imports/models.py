"""Import jobs. The uploaded source is stored encrypted (docs/format-stream.md) under a
key sealed to the job; a preview and the job's vault keys are sealed the same way.
Only counts, states and sizes are in the clear (docs/format.md, "Imports")."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    class Format(models.TextChoices):
        COFFER = "coffer"  # Coffer's own .age export
        CXF = "cxf"
        CXF_ZIP = "cxf_zip", "CXF with its files (CXP .zip)"
        BITWARDEN_JSON = "bitwarden_json"
        BITWARDEN_ZIP = "bitwarden_zip"

    class State(models.TextChoices):
        PREVIEW = "preview"  # stored and read; nothing written until confirmed
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports")
    source_format = models.CharField(max_length=16, choices=Format.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PREVIEW)
    # The source, in the stream format under the job's source key; "" once deleted.
    source_blob_key = models.CharField(max_length=32, blank=True, default="")
    source_size = models.PositiveBigIntegerField(default=0)
    source_ciphertext_size = models.PositiveBigIntegerField(default=0)
    # Job material (source key, passphrase, later the vault key) under the server
    # keyring (imports/material.py); emptied when the job ends.
    sealed_material = models.BinaryField(default=b"")
    sealed_material_server_version = models.PositiveIntegerField(default=0)
    # The preview (kinds, labels, what is left and why) under the source key.
    sealed_preview = models.BinaryField(default=b"")
    records_planned = models.PositiveIntegerField(default=0)
    files_planned = models.PositiveIntegerField(default=0)
    bytes_planned = models.PositiveBigIntegerField(default=0)
    left_count = models.PositiveIntegerField(default=0)
    files_staged = models.PositiveIntegerField(default=0)
    bytes_staged = models.PositiveBigIntegerField(default=0)
    records_created = models.PositiveIntegerField(default=0)
    files_created = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Heartbeat: moved by every staged file; a stale running job is re-driven.
    progressed_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner"], condition=models.Q(state="running"),
                                    name="one_running_import_per_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.source_format} import ({self.state})"


class ImportFile(models.Model):
    """A file staged by a running import: its blob is written (or being written)
    before any row names it; the File row is made from this at commit. While the
    job is unfinished, GC counts `blob_key` as referenced."""

    class State(models.TextChoices):
        WRITING = "writing"
        STAGED = "staged"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    # Which file of the source: HMAC-SHA256(source key, ref) in hex, where ref is its place
    # in the source ("tar:files/<label>/<name>"), which holds the user's words.
    ref_digest = models.CharField(max_length=64)
    record_index = models.IntegerField(null=True)  # the planned record it belongs to, if any
    state = models.CharField(max_length=16, choices=State.choices, default=State.WRITING)
    file_id = models.UUIDField()
    blob_key = models.CharField(max_length=32, unique=True)
    content_type = models.CharField(max_length=64, blank=True, default="")
    plaintext_size = models.BigIntegerField(default=0)
    ciphertext_size = models.BigIntegerField(default=0)
    vault_key_version = models.PositiveIntegerField()
    dek_version = models.PositiveIntegerField(default=1)
    wrapped_dek = models.BinaryField()
    sealed_filename = models.BinaryField(default=b"")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "ref_digest"], name="one_staged_file_per_ref")]
