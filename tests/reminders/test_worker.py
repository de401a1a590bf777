"""Beat's task on a real Celery worker, mailing a real SMTP server on loopback: one mail
per due reminder even when the task runs twice. Real time here (the worker is another
process), so the passport expires 30 days from today and its 30-day reminder is due."""

from datetime import timedelta

from django.utils import timezone

from reminders.models import Reminder
from reminders.services import reminder_setting_update
from reminders.tasks import reminders_send
from tests.conftest import make_person
from tests.fixtures.celery_worker import wait_for

from .conftest import create


def _person_with_a_reminder_due_today(name: str):
    person = make_person(name).setup_vault().unlock()
    reminder_setting_update(user=person.user, enabled=True)
    create(person, date_of_expiry=(timezone.localdate() + timedelta(days=30)).isoformat(), mrz=None)
    return person


def _recipients(smtp) -> list[str]:
    return [mail.recipients[0] for mail in smtp.messages()]


def test_the_worker_mails_a_due_reminder_once_when_the_task_runs_twice(celery_worker_process, smtp_server):
    _person_with_a_reminder_due_today("alice")
    celery_worker_process.start(EMAIL_URL=f"smtp://{smtp_server.host}:{smtp_server.port}")
    reminders_send.delay()
    reminders_send.delay()
    wait_for(lambda: "alice@example.com" in _recipients(smtp_server), timeout=60, message="Alice's reminder")
    # Bob's row is made after Alice's mail went, and mailed by the second run or a third:
    # either way, once his mail is in, every run that could mail Alice again has ended
    # (rows are mailed in id order, and the worker runs one task at a time, in order).
    _person_with_a_reminder_due_today("bob")
    reminders_send.delay()
    wait_for(lambda: "bob@example.com" in _recipients(smtp_server), timeout=60, message="Bob's reminder")
    assert sorted(_recipients(smtp_server)) == ["alice@example.com", "bob@example.com"]
    assert not Reminder.objects.filter(remind_on__lte=timezone.localdate(), sent_at__isnull=True).exists()
