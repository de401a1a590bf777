"""Reading export jobs. Every lookup goes through the owner; a foreign id is a 404."""

from __future__ import annotations

from django.db.models import QuerySet

from coffer.lookups import get_by_uuid_or_404

from .models import ExportJob


def export_get(*, owner, job_id) -> ExportJob:
    return get_by_uuid_or_404(ExportJob.objects.filter(vault__user=owner), job_id)


def export_list(*, owner) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(vault__user=owner).order_by("-created_at")
