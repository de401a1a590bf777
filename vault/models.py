"""Vault state. No column here holds a PIN, a key or a secret in the clear."""

import uuid

from django.conf import settings
from django.db import models


class Vault(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vault")
    created_at = models.DateTimeField(auto_now_add=True)

    # PIN stretching: Argon2id parameters and salt, stored beside the key they derive.
    kdf_salt = models.BinaryField(max_length=16)
    kdf_params = models.JSONField()

    # The per-user server share S_u, wrapped by the server keyring (KeyProvider).
    wrapped_server_share = models.BinaryField()
    server_key_version = models.PositiveIntegerField()

    # The recovery code's X25519 public key: new vault key versions are sealed to it.
    recovery_public_key = models.BinaryField(max_length=32)
    recovery_issued_at = models.DateTimeField()

    # The user's own keypairs (DESIGN §7): X25519 to receive sealed data, Ed25519 to sign.
    # Public halves in the clear; private halves wrapped by the vault key version named.
    box_public_key = models.BinaryField(max_length=32)
    sign_public_key = models.BinaryField(max_length=32)
    wrapped_box_private_key = models.BinaryField()
    wrapped_sign_private_key = models.BinaryField()
    user_keys_vk_version = models.PositiveIntegerField(default=1)

    # Online PIN guessing: backoff, then lock-out until the password re-authorises.
    failed_attempts = models.PositiveIntegerField(default=0)
    backoff_until = models.DateTimeField(null=True, blank=True)
    locked_out_at = models.DateTimeField(null=True, blank=True)

    # Bumped whenever a vault key version is added or destroyed, so an unlock session
    # knows without a query whether its key set is still the vault's.
    key_set_version = models.PositiveIntegerField(default=0)
    # Bumped to end every unlock session at once (lock-all, admin force-lock).
    unlock_epoch = models.PositiveIntegerField(default=0)
    last_unlock_at = models.DateTimeField(null=True, blank=True)
    pin_changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"vault of user {self.user_id}"


class VaultKey(models.Model):
    """One version of the vault key VK_u, wrapped under the KEK and sealed to the recovery key."""

    vault = models.ForeignKey(Vault, on_delete=models.CASCADE, related_name="keys")
    version = models.PositiveIntegerField()
    wrapped_by_kek = models.BinaryField()
    wrapped_by_recovery = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vault", "version"], name="unique_vault_key_version")]
        ordering = ["version"]

    def __str__(self) -> str:
        return f"vault key v{self.version} of vault {self.vault_id}"


class RotationJob(models.Model):
    """A vault key rotation (`rewrap`) or full re-encryption (`reencrypt`), resumable.

    The keys the worker needs are sealed to the job under the server keyring and
    erased when the job ends. Tasks carry only the job id.
    """

    class Kind(models.TextChoices):
        REWRAP = "rewrap"
        REENCRYPT = "reencrypt"

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vault = models.ForeignKey(Vault, on_delete=models.CASCADE, related_name="rotations")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    target_version = models.PositiveIntegerField()
    # {version: vault key} sealed under the server keyring; emptied when the job ends.
    sealed_keys = models.BinaryField(default=b"")
    sealed_keys_server_version = models.PositiveIntegerField(default=0)
    items_total = models.PositiveIntegerField(default=0)
    items_done = models.PositiveIntegerField(default=0)
    bytes_total = models.PositiveBigIntegerField(default=0)
    bytes_done = models.PositiveBigIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Heartbeat: moved on every item transition; a stale one gets the job re-driven.
    progressed_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["vault"], condition=models.Q(state="running"), name="one_running_rotation_per_vault"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to v{self.target_version} ({self.state})"

    @property
    def resumable(self) -> bool:
        """A failed job that still holds its key material (no newer job replaced it)."""
        return self.state == self.State.FAILED and bool(self.sealed_keys)


class RotationItem(models.Model):
    """One record or file in a rotation, walked through pending → written → verified → swapped → done."""

    class State(models.TextChoices):
        PENDING = "pending"
        WRITTEN = "written"
        VERIFIED = "verified"
        SWAPPED = "swapped"
        DONE = "done"

    job = models.ForeignKey(RotationJob, on_delete=models.CASCADE, related_name="items")
    item_kind = models.CharField(max_length=16)
    item_id = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    size = models.PositiveBigIntegerField(default=0)
    # For files: the new object being written, and the old one to delete after the swap.
    new_blob_key = models.CharField(max_length=64, blank=True)
    old_blob_key = models.CharField(max_length=64, blank=True)
    # The new data key, wrapped under the job's target vault key, until the swap uses it.
    staged_wrapped_dek = models.BinaryField(default=b"", blank=True)
    # A worker holds an item until this time; after a crash the lease runs out and another takes it.
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "item_kind", "item_id"], name="unique_rotation_item")
        ]
        indexes = [models.Index(fields=["job", "state"], name="rotation_item_job_state")]

    def __str__(self) -> str:
        return f"{self.item_kind} {self.item_id}: {self.state}"


class UnreferencedBlob(models.Model):
    """An object in the store that no row referred to when the blob GC last looked.

    It is kept for COFFER_BLOB_RETENTION seconds from then, so a database restored
    from a backup inside that window still finds every object it names.
    """

    blob_key = models.CharField(max_length=64, unique=True)
    first_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"unreferenced blob since {self.first_seen_at.isoformat()}"
