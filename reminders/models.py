"""Expiry reminders (docs/reminders.md): dates only, never which record.

A Reminder row says "mail this owner on this date" and nothing else the server can
read: no record id, no kind, no timestamp of the record. Its `tag` is an HMAC of
the record id under a key derived from a vault key, so only an unlocked vault can
find (and replace or remove) the rows of one record.
"""

from django.conf import settings
from django.db import models

DEFAULT_OFFSETS = "182,30,0"  # days before the expiry date: about 6 months, 1 month, on the day


class ReminderSetting(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="reminder_setting")
    enabled = models.BooleanField(default=False)
    offsets = models.CharField(max_length=64, default=DEFAULT_OFFSETS)

    def offset_days(self) -> list[int]:
        return [int(days) for days in self.offsets.split(",") if days.strip()]


class Reminder(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    remind_on = models.DateField()
    tag = models.BinaryField(max_length=32)
    # The vault key version the tag key was derived from (docs/reminders.md, "Key rotation").
    key_version = models.PositiveIntegerField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "tag"]), models.Index(fields=["remind_on", "sent_at"])]


class ReminderChoice(models.Model):
    """A record whose owner flipped its kind's default (on for passports and ID cards,
    off for the other kinds with an expiry date). Like Reminder, it names no record:
    `tag` is an HMAC of "choice:" and the record id, findable only when unlocked."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tag = models.BinaryField(max_length=32)
    key_version = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["owner", "tag"])]
