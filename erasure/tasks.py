"""Thin Celery tasks: ids only (DESIGN §5)."""

from celery import shared_task
from django.conf import settings

from . import services


# Each run already retries for minutes (coffer/retry.py); past that, Celery retries the
# run itself with backoff, without end: the objects must go, however long storage is away.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, autoretry_for=(Exception,),
             retry_backoff=True, retry_backoff_max=settings.COFFER_ERASURE_RETRY_MAX_SECONDS, retry_jitter=True,
             max_retries=None)
def erasure_run(job_id: str) -> None:
    services.erasure_run(job_id=job_id)


@shared_task(acks_late=True, ignore_result=True)
def erasure_redrive() -> None:
    services.erasure_redrive()
