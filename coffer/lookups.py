"""Looking a row up by the id a client sent, within a queryset that is already the owner's."""

from __future__ import annotations

import uuid
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_by_uuid_or_404(rows: QuerySet[M], object_id) -> M:
    """The row of `rows` whose primary key is `object_id`: Http404 for a malformed id and
    for one that is not there (another owner's included), told apart by nothing."""
    try:
        pk = uuid.UUID(str(object_id))
    except ValueError:
        raise Http404 from None
    row = rows.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row
