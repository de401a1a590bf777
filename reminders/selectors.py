"""Reading reminders: the owner's setting and the dates the vault home page mentions."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from .models import Reminder, ReminderSetting


def reminder_setting_get(*, user) -> ReminderSetting:
    """The owner's setting; off (and unsaved) when never set."""
    return ReminderSetting.objects.filter(user=user).first() or ReminderSetting(user=user)


def reminders_to_show(*, owner, today: date | None = None) -> list[date]:
    """The dates of the owner's reminders that are due or were mailed in the last 30 days."""
    today = today or timezone.localdate()
    rows = Reminder.objects.filter(owner=owner, remind_on__lte=today, remind_on__gte=today - timedelta(days=30))
    return sorted(set(rows.values_list("remind_on", flat=True)))
