"""Thin Celery tasks for the audit chain; Celery beat runs them (settings.CELERY_BEAT_SCHEDULE)."""

import logging

from celery import shared_task

from . import checkpoints, verification

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def checkpoint_create() -> None:
    try:
        checkpoints.checkpoint_create()
    except checkpoints.ChainBroken:
        pass  # logged at ERROR by the service; the admin shows the break


@shared_task(ignore_result=True)
def audit_verify_recorded() -> None:
    verification.audit_verify_recorded()
