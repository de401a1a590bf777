from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def uploads_expire() -> None:
    services.uploads_expire()
