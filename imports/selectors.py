"""Reading import jobs, always through their owner (another user's id is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from coffer.lookups import get_by_uuid_or_404

from .models import ImportJob


def import_get(*, owner, job_id) -> ImportJob:
    return get_by_uuid_or_404(ImportJob.objects.filter(owner=owner), job_id)


def import_list(*, owner) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(owner=owner).order_by("-created_at")


def import_progress(job: ImportJob) -> float:
    if job.state == ImportJob.State.DONE:
        return 1.0
    if job.bytes_planned:
        return round(min(job.bytes_staged / job.bytes_planned, 1.0), 4)
    return round(job.files_staged / job.files_planned, 4) if job.files_planned else 0.0
