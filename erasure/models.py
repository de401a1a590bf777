"""Erasure jobs: the objects of a deleted account still to delete from the store.

A job is a tombstone. It names no user: only object keys (random ids, DESIGN §1),
counts, times and a state. Everything in those objects was crypto-erased when the
job was created; the job only frees the space and leaves no ciphertext behind.
"""

import uuid

from django.db import models


class ErasureJob(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    # Object keys not yet deleted; shrinks as the task goes.
    pending_blob_keys = models.JSONField(default=list)
    blobs_total = models.PositiveIntegerField(default=0)
    # Failed tries (storage away), the last one's time and its exception class name, never its text.
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    # Moved by every deletion saved and every fault; a pending job that stops moving is re-driven.
    updated_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="erasure_job_state_created")]

    def __str__(self) -> str:
        return f"erasure job {self.pk} ({self.state})"

    @property
    def blobs_remaining(self) -> int:
        return len(self.pending_blob_keys)
