"""The one paginator of every list: ?limit and ?offset, bounded through coffer.inputs.

DRF's LimitOffsetPagination takes any positive integer, so
`?limit=9223372036854775808` reached PostgreSQL as a LIMIT past bigint: a 500. It
also quietly ignored `?limit=abc`. Here a limit outside 1..MAX_LIMIT, or an offset
outside 0..MAX_OFFSET, answers 400 `invalid` naming the parameter.

A page past the first is read in two steps: its ids (with the list's order, an index
that holds the order and the id answers that alone, skipping index entries rather than
rows), then its rows by id. Read in one step, PostgreSQL fetched and sorted every row
before the offset: the last page of 10,000 records took twice the first
(docs/performance.md, "Records list against the vault's size").
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.pagination import LimitOffsetPagination

from coffer.inputs import query_int

MAX_LIMIT = 200
# Far past any one user's items, and small enough for every database's OFFSET.
MAX_OFFSET = 2**31 - 1


class _PageByIds:
    """A queryset as DRF's paginator reads it (count, then one slice), the slice by ids first."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list:
        if not page.start:
            return list(self.queryset[page])
        ids = list(self.queryset.values_list("pk", flat=True)[page])
        rows = self.queryset.in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]  # one deleted in between is left out


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        if isinstance(queryset, QuerySet):
            queryset = _PageByIds(queryset)
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request) -> int:
        return query_int(
            request.query_params, self.limit_query_param, default=self.default_limit, minimum=1, maximum=MAX_LIMIT
        )

    def get_offset(self, request) -> int:
        return query_int(request.query_params, self.offset_query_param, default=0, minimum=0, maximum=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        bounds = {self.limit_query_param: (1, MAX_LIMIT), self.offset_query_param: (0, MAX_OFFSET)}
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            minimum, maximum = bounds[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": minimum, "maximum": maximum}
            parameter["description"] += f" From {minimum} to {maximum}; outside that, 400."
        return parameters
