"""Corrections over the API: an app reports and follows its own (signed requests), a user
reads a record's (unlocked vault) and dismisses one."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import RECORDS_READ, RECORDS_WRITE
from coffer.api.pagination import BoundedLimitOffsetPagination
from coffer.api.schema import errors
from corrections import selectors, services
from sharing.api.apps import SIGNED_HEADERS
from sharing.api.permissions import IsApprovedApp
from sharing.authentication import AppSignatureAuthentication
from vault.api.unlocking import require_vault_keys
from vault.api.views import UNLOCK_HEADER

from .serializers import (
    CorrectionOutput,
    CorrectionReportInput,
    CorrectionStateOutput,
    correction_opened,
    correction_state,
)
from .throttling import PerAppRateThrottle

GRANT_ID = OpenApiParameter("grant_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
RECORD_ID = OpenApiParameter("record_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CORRECTION_ID = OpenApiParameter("correction_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class AppCorrectionsView(APIView):
    """An app's corrections for one of its live grants."""

    authentication_classes = [AppSignatureAuthentication]
    permission_classes = [IsApprovedApp]
    pagination_class = BoundedLimitOffsetPagination
    throttle_scope = "app_corrections"

    def get_throttles(self):
        return [PerAppRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="apps_me_grant_corrections_create",
        parameters=[*SIGNED_HEADERS, GRANT_ID],
        request=CorrectionReportInput,
        responses={201: CorrectionStateOutput, **errors(400, 401, 403, 404, 409, 429)},
        description="Report a problem with a record of the grant: a `field` it shares, a `scan_role` it shares, "
        "or (neither) the whole record. The message is sealed to the user at once; the user reads it in their "
        "unlocked vault, and the correction resolves when they change what it is about. At most "
        "COFFER_CORRECTIONS_MAX_OPEN open per grant (409). Audited; the user may get a mail naming the app.",
    )
    def post(self, request, grant_id: str):
        serializer = CorrectionReportInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        correction = services.correction_report(
            app=request.auth, grant_id=grant_id, record_id=fields["record_id"], field=fields.get("field", ""),
            scan_role=fields.get("scan_role", ""), message=fields["message"], request=request,
        )
        return Response(CorrectionStateOutput(correction_state(correction)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="apps_me_grant_corrections_list",
        parameters=[*SIGNED_HEADERS, GRANT_ID],
        responses={200: CorrectionStateOutput(many=True), **errors(400, 401, 403, 404)},
        description="The app's own corrections for the grant, oldest first, each `open` or `resolved`.",
    )
    def get(self, request, grant_id: str):
        rows = selectors.app_grant_corrections(app=request.auth, grant_id=grant_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(
            CorrectionStateOutput([correction_state(row) for row in page], many=True).data
        )


class RecordCorrectionsView(APIView):
    required_scopes = {"GET": RECORDS_READ}
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="records_corrections_list",
        parameters=[RECORD_ID, UNLOCK_HEADER],
        responses={200: CorrectionOutput(many=True), **errors(400, 401, 403, 404, 423)},
        description="Problems apps reported with this record, newest first, open and resolved, with the apps' "
        "messages opened (they are sealed to your key, so the vault must be unlocked).",
    )
    def get(self, request, record_id: str):
        keys = require_vault_keys(request)
        rows = selectors.record_corrections(owner=request.user, record_id=record_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        opened = selectors.corrections_open(owner=request.user, corrections=page, keys=keys)
        return paginator.get_paginated_response(
            CorrectionOutput([correction_opened(item) for item in opened], many=True).data
        )


class RecordCorrectionDismissView(APIView):
    required_scopes = {"POST": RECORDS_WRITE}

    @extend_schema(
        operation_id="records_corrections_dismiss",
        parameters=[RECORD_ID, CORRECTION_ID],
        request=None,
        responses={200: CorrectionStateOutput, **errors(401, 403, 404)},
        description="Mark a correction resolved by hand (`reason`: `dismissed`); the app sees it resolved. "
        "A resolved one is answered as it is. Audited.",
    )
    def post(self, request, record_id: str, correction_id: str):
        correction = services.correction_dismiss(
            owner=request.user, record_id=record_id, correction_id=correction_id, request=request
        )
        return Response(CorrectionStateOutput(correction_state(correction)).data)
