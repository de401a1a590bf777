"""Reading the ids clients send, and looking a row up by one within a queryset that is
already the owner's."""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def parse_uuid(value) -> uuid.UUID | None:
    """The UUID a client sent (in any form uuid.UUID reads), or None for anything else."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def get_by_uuid_or_404(rows: QuerySet[M], object_id) -> M:
    """The row of `rows` whose primary key is `object_id`: Http404 for a malformed id and
    for one that is not there (another owner's included), told apart by nothing."""
    pk = parse_uuid(object_id)
    if pk is None:
        raise Http404
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row
