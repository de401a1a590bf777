"""Thin Celery tasks; they carry no keys and no data."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, ignore_result=True)
def grants_purge_expired() -> None:
    services.grants_purge_expired()
