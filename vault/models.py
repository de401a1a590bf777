"""Vault state. No column here holds a PIN, a key or a secret in the clear."""

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
