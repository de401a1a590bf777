"""Thin Celery tasks. They carry the job id only, never keys, passphrases or plaintext."""

from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from . import worker

_TRANSIENT = (OperationalError, InterfaceError, *worker.TRANSIENT)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, autoretry_for=_TRANSIENT,
             retry_backoff=True, retry_backoff_max=60, retry_jitter=True, max_retries=20)
def import_step(job_id: str) -> None:
    if not worker.import_step(job_id=job_id).finished:
        import_step.apply_async((job_id,))


@shared_task(acks_late=True, ignore_result=True)
def import_redrive(all_running: bool = False) -> None:
    worker.import_redrive(stale_after=timedelta(0) if all_running else None)


@worker_ready.connect
def _redrive_on_start(**_kwargs) -> None:
    # A worker that starts after a crash picks up every import a dead one was running;
    # a duplicate step returns at once (one step per job holds an advisory lock).
    import_redrive.delay(all_running=True)
