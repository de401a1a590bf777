"""Thin Celery tasks. They carry ids only, never keys or plaintext (DESIGN §5)."""

from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

from vault.rotation import services


# The database away mid-step: retried with backoff and jitter for about a quarter of an
# hour; after that beat's rotation_redrive picks the job up again once it is stale.
_TRANSIENT = (OperationalError, InterfaceError)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, autoretry_for=_TRANSIENT,
             retry_backoff=True, retry_backoff_max=60, retry_jitter=True, max_retries=20)
def rotation_step(job_id: str) -> None:
    result = services.rotation_step(job_id=job_id)
    if not result.finished:
        rotation_step.apply_async((job_id,), countdown=result.retry_in or 0)


@shared_task(acks_late=True, ignore_result=True)
def rotation_redrive(all_running: bool = False) -> None:
    services.rotation_redrive(stale_after=timedelta(0) if all_running else None)


@shared_task(acks_late=True, ignore_result=True)
def gc_blobs() -> None:
    from vault.rotation.gc import gc_blobs as collect

    collect()


@worker_ready.connect
def _redrive_on_start(**_kwargs) -> None:
    # A worker that starts after a crash picks up every job a dead one was driving;
    # a duplicate step is harmless, since items are claimed under leases.
    rotation_redrive.delay(all_running=True)
