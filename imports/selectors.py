"""Reading import jobs, always through their owner (another user's id is a 404)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from .models import ImportJob


def import_get(*, owner, job_id) -> ImportJob:
    try:
        job_uuid = uuid.UUID(str(job_id))
    except ValueError:
        raise Http404 from None
    job = ImportJob.objects.filter(owner=owner, pk=job_uuid).first()
    if job is None:
        raise Http404
    return job


def import_list(*, owner) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(owner=owner).order_by("-created_at")


def import_progress(job: ImportJob) -> float:
    if job.state == ImportJob.State.DONE:
        return 1.0
    if job.bytes_planned:
        return round(min(job.bytes_staged / job.bytes_planned, 1.0), 4)
    return round(job.files_staged / job.files_planned, 4) if job.files_planned else 0.0
