"""Thin Celery tasks: ids and names only (DESIGN §5)."""

from celery import shared_task
from django.conf import settings

from . import services


# A million rows take minutes, far beyond the default task limit; the limit stays below
# the broker's visibility timeout, so a long run is never handed to a second worker.
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=settings.COFFER_CONSISTENCY_TIME_LIMIT_SECONDS,
             time_limit=settings.COFFER_CONSISTENCY_TIME_LIMIT_SECONDS + 60)
def consistency_check_run(trigger: str = "schedule", actor_id: int | None = None) -> None:
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id is not None else None
    services.consistency_check_run(trigger=trigger, actor=actor, stream_batch=settings.COFFER_CONSISTENCY_BATCH,
                                   workers=settings.COFFER_CONSISTENCY_WORKERS)
