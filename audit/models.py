"""Append-only audit events, chained by hash, and signed checkpoints (see docs/audit.md)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"
        DENIED = "denied"

    created_at = models.DateTimeField(db_index=True)
    # No database constraint and no cascade: deleting a user must not rewrite
    # `actor_id`, which the event's hash covers.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    # Snapshot of who acted, so the event still reads well after a user is deleted.
    actor_label = models.CharField(max_length=150, blank=True)
    subject_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    target_kind = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        permissions = [
            ("export_auditevent", "Can export audit events"),
            ("verify_auditevent", "Can verify the audit chain"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.outcome} #{self.pk}"


class AuditChainHead(models.Model):
    """A single row locked FOR UPDATE on every append, so concurrent writers form one chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class Checkpoint(models.Model):
    """The server's Ed25519 signature over the chain's hash at one event (docs/audit.md §4).

    Created only after the chain since the previous checkpoint verified, so a
    rewrite of history before it no longer matches a signature nobody without
    the server keyring can make.
    """

    created_at = models.DateTimeField()
    last_event_id = models.BigIntegerField(unique=True)
    last_hash = models.CharField(max_length=64)
    key_version = models.PositiveIntegerField()
    signature = models.CharField(max_length=128)  # hex; an Ed25519 signature is not secret

    class Meta:
        ordering = ["-last_event_id"]

    def __str__(self) -> str:
        return f"checkpoint at event {self.last_event_id}"
