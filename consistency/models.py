"""Stored consistency reports: when, clean or not, counts and the ids of what was wrong.
Ids and counts only; no column holds plaintext or a key."""

from django.db import models


class CheckRun(models.Model):
    class Trigger(models.TextChoices):
        COMMAND = "command"
        SCHEDULE = "schedule"
        ADMIN = "admin"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    clean = models.BooleanField()
    wrong = models.PositiveBigIntegerField()
    # [{"check": name, "checked": n, "wrong": m, "ids": [at most MAX_IDS ids]}], in report order.
    results = models.JSONField()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "consistency report"
        verbose_name_plural = "consistency reports"

    def __str__(self) -> str:
        return f"consistency report {self.pk} ({'clean' if self.clean else f'{self.wrong} wrong'})"
