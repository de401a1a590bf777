from celery import shared_task

from .services import reminders_send_due


@shared_task(name="reminders.tasks.reminders_send")
def reminders_send() -> int:
    return reminders_send_due()
