from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import RECORDS_READ, RECORDS_WRITE
from coffer.api.pagination import BoundedLimitOffsetPagination
from coffer.api.schema import errors
from records import selectors, services
from records.errors import PreconditionRequired
from records.etags import WildcardIfMatch, parse_if_match
from records.presenting import present_record
from records.schemas import KIND_NAMES
from vault.api.unlocking import require_vault_keys
from vault.api.views import UNLOCK_HEADER

from .parsers import RecordJSONParser
from .serializers import (
    RecordCreateInput,
    RecordCreateSchema,
    RecordListItemOutput,
    RecordListQuery,
    RecordOutput,
    RecordReadQuery,
    RecordUpdateInput,
)

ETAG_HEADER = OpenApiParameter(
    "ETag", str, OpenApiParameter.HEADER, response=[200, 201],
    description="The record's current revision, for If-Match.",
)
IF_MATCH_REQUIRED = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True,
    description="The ETag from your last read. Stale: 412. Missing or `*`: 428.",
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=False,
    description="When sent, the delete happens only if the record is still at this ETag (else 412).",
)
REVEAL = OpenApiParameter(
    "reveal", OpenApiTypes.BOOL, OpenApiParameter.QUERY, required=False,
    description="true: show secret fields unmasked. Every reveal is audited.",
)
RECORD_ID = OpenApiParameter("record_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _if_match(request, *, required: bool) -> frozenset[int] | None:
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise PreconditionRequired()
        return None
    try:
        return parse_if_match(header)
    except WildcardIfMatch:
        raise PreconditionRequired() from None


# RecordOutput's fields, in its order: the body is present_record's dict cut to them, not
# RecordOutput(...).data, whose eleven DRF fields cost more than the rest of a read's Python
# (docs/performance.md). The renderer writes the UUID and UTC datetimes as the serializer
# would; a test holds the bytes equal.
_OUTPUT_FIELDS = tuple(RecordOutput._declared_fields)


def _record_response(opened, *, reveal: bool = False, status_code: int = status.HTTP_200_OK) -> Response:
    shown = present_record(opened, reveal=reveal)
    body = {name: shown[name] for name in _OUTPUT_FIELDS}
    return Response(body, status=status_code, headers={"ETag": body["etag"]})


class RecordListView(APIView):
    required_scopes = {"GET": RECORDS_READ, "POST": RECORDS_WRITE}
    parser_classes = [RecordJSONParser]
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="records_list",
        parameters=[
            UNLOCK_HEADER,
            OpenApiParameter("kind", str, enum=list(KIND_NAMES)),
            OpenApiParameter(
                "q", str, required=False,
                description="Search (at most 100 characters): every word must appear in the label, the kind "
                "or a non-secret field value (names, document numbers, issuing country, dates). "
                "Matched in memory while the vault is unlocked; nothing is indexed.",
            ),
        ],
        responses={200: RecordListItemOutput(many=True), **errors(400, 401, 403, 423)},
    )
    def get(self, request):
        keys = require_vault_keys(request)
        query = _valid(RecordListQuery, request.query_params)
        paginator = self.pagination_class()
        if query.get("q", "").strip():
            found = selectors.record_search(
                owner=request.user, keys=keys, query=query["q"], kind=query.get("kind"), request=request
            )
            opened = paginator.paginate_queryset(found, request, view=self)
        else:
            page = paginator.paginate_queryset(
                selectors.record_list(owner=request.user, kind=query.get("kind")), request, view=self
            )
            opened = selectors.record_open_many(records=page, keys=keys, request=request)
        # Plain dicts, not RecordListItemOutput(...).data: the renderer's encoder writes the
        # UUIDs and UTC datetimes byte for byte as the serializer would (a test holds them
        # equal), at a quarter of a 50-record page's cost (docs/performance.md).
        today = timezone.localdate()  # once a page, not once a record
        return paginator.get_paginated_response([present_record(item, today=today) for item in opened])

    @extend_schema(
        operation_id="records_create",
        parameters=[UNLOCK_HEADER, ETAG_HEADER],
        request=RecordCreateSchema,
        responses={201: RecordOutput, **errors(400, 401, 403, 413, 415, 423)},
    )
    def post(self, request):
        keys = require_vault_keys(request)
        fields = _valid(RecordCreateInput, request.data)
        opened = services.record_create(owner=request.user, keys=keys, **fields, request=request)
        return _record_response(opened, status_code=status.HTTP_201_CREATED)


class RecordDetailView(APIView):
    required_scopes = {"GET": RECORDS_READ, "PATCH": RECORDS_WRITE, "DELETE": RECORDS_WRITE}
    parser_classes = [RecordJSONParser]

    @extend_schema(
        operation_id="records_retrieve",
        parameters=[RECORD_ID, UNLOCK_HEADER, REVEAL, ETAG_HEADER],
        responses={200: RecordOutput, **errors(400, 401, 403, 404, 409, 423)},
    )
    def get(self, request, record_id: str):
        keys = require_vault_keys(request)
        reveal = _valid(RecordReadQuery, request.query_params)["reveal"]
        lookup = services.record_reveal if reveal else selectors.record_read
        opened = lookup(owner=request.user, keys=keys, record_id=record_id, request=request)
        return _record_response(opened, reveal=reveal)

    @extend_schema(
        operation_id="records_partial_update",
        parameters=[RECORD_ID, UNLOCK_HEADER, IF_MATCH_REQUIRED, ETAG_HEADER],
        request=RecordUpdateInput,
        responses={200: RecordOutput, **errors(400, 401, 403, 404, 409, 412, 413, 415, 423, 428)},
    )
    def patch(self, request, record_id: str):
        keys = require_vault_keys(request)
        expected = _if_match(request, required=True)
        fields = _valid(RecordUpdateInput, request.data)
        opened = services.record_update(
            owner=request.user, keys=keys, record_id=record_id, expected_revisions=expected, **fields,
            request=request,
        )
        return _record_response(opened)

    @extend_schema(
        operation_id="records_destroy",
        parameters=[RECORD_ID, UNLOCK_HEADER, IF_MATCH_OPTIONAL],
        responses={204: None, **errors(401, 403, 404, 412, 423, 428)},
    )
    def delete(self, request, record_id: str):
        keys = require_vault_keys(request)
        expected = _if_match(request, required=False)
        services.record_delete(
            owner=request.user, record_id=record_id, expected_revisions=expected, keys=keys, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
