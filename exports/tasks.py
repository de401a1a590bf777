"""Thin Celery tasks for exports. They carry a job id, never a key or a passphrase."""

from datetime import timedelta

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from . import services


# One build is one task, so it gets its own limits (the default soft limit is 120 s):
# both stay below the broker's visibility timeout, so a live build is never delivered twice.
@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True,
             soft_time_limit=settings.COFFER_EXPORT_TIME_LIMIT_SECONDS - 60,
             time_limit=settings.COFFER_EXPORT_TIME_LIMIT_SECONDS)
def export_build(job_id: str) -> None:
    outcome = services.export_build(job_id=job_id)
    if outcome.retry_in is not None:
        # Storage or database away: again after a backoff; beat's redrive covers a lost retry.
        export_build.apply_async((job_id,), countdown=outcome.retry_in)


@shared_task(acks_late=True, ignore_result=True)
def export_redrive(all_running: bool = False) -> None:
    services.export_redrive(stale_after=timedelta(0) if all_running else None)


@shared_task(acks_late=True, ignore_result=True)
def export_expire() -> None:
    services.export_expire()


@worker_ready.connect
def _redrive_on_start(**_kwargs) -> None:
    # A worker that starts after a crash picks up builds whose worker died (once their lease ran out).
    export_redrive.delay(all_running=True)
