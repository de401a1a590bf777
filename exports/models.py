"""Export jobs. No column holds a passphrase, a key or plaintext in the clear."""

import uuid

from django.db import models

from vault.models import Vault


class ExportJob(models.Model):
    """One encrypted export of a whole vault (docs/export.md), built by a worker.

    The request that starts it derives the age header from the passphrase and keeps
    only that header (it heads the file anyway); the file key and the vault keys are
    sealed to the job under the server keyring and erased when the job ends. The
    finished age file is one object in the blob store, kept until `expires_at`.
    """

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        EXPIRED = "expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vault = models.ForeignKey(Vault, on_delete=models.CASCADE, related_name="exports")
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    # The age header: version line, one scrypt stanza (salt, work factor, the wrapped
    # file key) and the header MAC. The export file starts with these bytes.
    age_header = models.BinaryField()
    # file key (16 bytes) || {version: vault key}, sealed under the server keyring; b"" once ended.
    sealed_material = models.BinaryField(default=b"")
    sealed_material_server_version = models.PositiveIntegerField(default=0)
    filename = models.CharField(max_length=200)
    items_total = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_done = models.PositiveBigIntegerField(default=0)
    # Builds begun: a build that finds the vault changed under it, or a worker killed
    # mid-build, starts over with a fresh payload nonce.
    builds = models.PositiveIntegerField(default=0)
    # The worker building it holds the job until this time and moves it as it goes.
    lease_until = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(auto_now_add=True)
    blob_key = models.CharField(max_length=32, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    downloads = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["vault"], condition=models.Q(state="running"), name="one_running_export_per_vault"
            )
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.state})"


class ExportItem(models.Model):
    """A file of the job whose SHA-256 is known: records.json names each file's
    digest before the file's bytes, so every file is read once before the archive.
    The digest is sealed under the server keyring; rows go when the job ends."""

    job = models.ForeignKey(ExportJob, on_delete=models.CASCADE, related_name="items")
    file_id = models.UUIDField()
    # The object the digest was taken from: a changed one is hashed again.
    blob_key = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField()
    sealed_digest = models.BinaryField()
    sealed_digest_server_version = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "file_id"], name="unique_export_item")]

    def __str__(self) -> str:
        return f"export item {self.file_id}"
