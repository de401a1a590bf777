"""Reading export jobs. Every lookup goes through the owner; a foreign id is a 404."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from .models import ExportJob


def export_get(*, owner, job_id) -> ExportJob:
    try:
        pk = uuid.UUID(str(job_id))
    except ValueError:
        raise Http404 from None
    job = ExportJob.objects.filter(vault__user=owner, pk=pk).first()
    if job is None:
        raise Http404
    return job


def export_list(*, owner) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(vault__user=owner).order_by("-created_at")
