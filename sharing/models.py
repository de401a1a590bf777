"""Apps, and the grants users give them. Nothing here opens without an app's private key:
a grant's data exists only as `sealed_grant`, sealed to the app's X25519 key."""

import uuid

from django.conf import settings
from django.db import models


class App(models.Model):
    """A third-party app, identified by its Ed25519 key. Only approved apps receive grants."""

    class State(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REVOKED = "revoked"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    callback_url = models.URLField(max_length=500)
    # Public keys, in the clear: X25519 to seal grants to, Ed25519 to check request signatures.
    box_public_key = models.BinaryField(max_length=32)
    sign_public_key = models.BinaryField(max_length=32, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"

    @property
    def is_approved(self) -> bool:
        return self.state == self.State.APPROVED


class Grant(models.Model):
    """A user's consent: chosen record fields, signed by the user and sealed to one app.

    Revocation and expiry wipe `sealed_grant`; the row stays as metadata.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_grants")
    # crypto_box_seal(0x01 || signature || canonical grant document, app X25519 key); docs/sharing.md.
    sealed_grant = models.BinaryField()
    # Whole seconds, equal to the signed document's `issued_at` and `expires_at`.
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-issued_at"], name="grant_user_issued"),
            models.Index(fields=["app", "expires_at"], name="grant_app_expires"),
        ]

    def __str__(self) -> str:
        return f"grant {self.pk} to app {self.app_id}"


class GrantItem(models.Model):
    """Which record, and which of its field names, a grant shares. Names only, never values,
    so the user can see what they shared and a deleted record can end its grants."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    # Not a foreign key: deleting a record revokes its grants explicitly (sharing.signals).
    record_id = models.UUIDField(db_index=True)
    fields = models.JSONField(default=list)
    # Whether the record's own name (its label) went to the app; otherwise it got "".
    label_shared = models.BooleanField(default=False)
    # The scan roles shared (records.schemas.base.SCAN_ROLES): every scan of each role, as
    # GrantScan rows. Names only, like `fields`.
    scan_roles = models.JSONField(default=list)

    class Meta:
        ordering = ["grant", "position"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "position"], name="unique_grant_item_position"),
            models.UniqueConstraint(fields=["grant", "record_id"], name="unique_grant_item_record"),
        ]

    def __str__(self) -> str:
        return f"record {self.record_id} in grant {self.grant_id}"


class GrantScan(models.Model):
    """One scan shared in a grant: a copy of the file, re-encrypted in the stream format
    (docs/format-stream.md) under a fresh key that exists only inside the sealed grant.
    Neither the user's DEK nor any vault key reaches the app; revocation and expiry
    delete the row, and the copy goes with it (docs/sharing.md, "Scans")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="scans")
    # Position in the grant document: the record's item, then the scan within it.
    item_position = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField()
    record_id = models.UUIDField()
    # The user's file it was copied from (not a key: deleting the file keeps the copy
    # until the grant ends, as the grant is a snapshot).
    file_id = models.UUIDField()
    role = models.CharField(max_length=16)
    blob_key = models.CharField(max_length=32, unique=True)
    content_type = models.CharField(max_length=64)
    plaintext_size = models.BigIntegerField()
    ciphertext_size = models.BigIntegerField()

    class Meta:
        ordering = ["grant", "item_position", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "item_position", "position"], name="unique_grant_scan_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} scan {self.pk} in grant {self.grant_id}"


class KeyHandle(models.Model):
    """The opaque name under which a user publishes their public keys (docs/sharing.md).

    Random, chosen by nobody but the server, made and replaced only by the user:
    a user id, being sequential, would let anyone list who has a vault.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_handle")
    handle = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key handle of user {self.user_id}"
