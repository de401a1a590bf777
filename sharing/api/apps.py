"""App endpoints: registration (signed with the key being registered), and the app's own
view of itself and its grants (signed requests, approved apps only)."""

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from coffer.api.pagination import BoundedLimitOffsetPagination
from coffer.api.schema import errors
from sharing import scans, selectors, services
from sharing.authentication import AppSignatureAuthentication
from sharing.errors import APP_AUTH_SCHEME
from sharing.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_request_verify

from .permissions import IsApprovedApp, IsSignedApp
from .serializers import AppGrantOutput, AppOutput, AppRegisterInput
from .throttling import SharingRateThrottle

SIGNED_HEADERS = [
    OpenApiParameter(TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True,
                     description="Unix time in seconds; within 300 s of the server's clock."),
    OpenApiParameter(NONCE_HEADER, str, OpenApiParameter.HEADER, required=True,
                     description="16 to 64 characters of [A-Za-z0-9_-], never reused."),
    OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True,
                     description="Base64 Ed25519 signature of the request string; see docs/sharing.md §4."),
]


class AppRegisterView(APIView):
    """Anyone may register an app; it waits for an admin's approval."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SharingRateThrottle]
    throttle_scope = "app_register"

    def get_authenticate_header(self, request):
        return APP_AUTH_SCHEME

    @extend_schema(
        operation_id="apps_register",
        auth=[],
        parameters=SIGNED_HEADERS,
        request=AppRegisterInput,
        responses={201: AppOutput, **errors(400, 401, 409, 429)},
        description="The request is signed with the Ed25519 key it registers (with an empty app id), "
        "proving the app holds it.",
    )
    def post(self, request):
        request.body  # noqa: B018 - read the raw bytes before parsing, so the signature can cover them
        serializer = AppRegisterInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        signed_request_verify(sign_public_key=fields["sign_public_key"], app_id="", request=request)
        app = services.app_register(**fields, request=request)
        return Response(AppOutput(app).data, status=status.HTTP_201_CREATED)


class AppView(APIView):
    """The app's own registration. Pending and revoked apps may read it, and nothing else."""

    authentication_classes = [AppSignatureAuthentication]
    permission_classes = [IsSignedApp]

    @extend_schema(operation_id="apps_me", responses={200: AppOutput, **errors(401)})
    def get(self, request):
        return Response(AppOutput(request.auth).data)


class AppGrantListView(APIView):
    authentication_classes = [AppSignatureAuthentication]
    permission_classes = [IsApprovedApp]
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="apps_me_grants",
        responses={200: AppGrantOutput(many=True), **errors(400, 401, 403)},
        description="The app's live grants, oldest first. Expired and revoked grants are never served. "
        "Every grant served is audited.",
    )
    def get(self, request):
        app = request.auth
        paginator = self.pagination_class()
        grants = paginator.paginate_queryset(selectors.app_live_grants(app=app), request, view=self)
        services.grant_fetch(app=app, grants=grants, request=request)
        return paginator.get_paginated_response(AppGrantOutput(grants, many=True).data)


SCAN_PATH = [
    OpenApiParameter("grant_id", OpenApiTypes.UUID, OpenApiParameter.PATH),
    OpenApiParameter("scan_id", OpenApiTypes.UUID, OpenApiParameter.PATH,
                     description="A scan's `id` in the opened grant document (docs/sharing.md §3.5)."),
    OpenApiParameter("Range", str, OpenApiParameter.HEADER, required=False,
                     description="One `bytes=` range of the ciphertext, to resume a download."),
]


class AppScanDownloadView(APIView):
    """A scan shared in one of the app's live grants: its ciphertext, which only the key in
    the grant opens. Revoked, expired and foreign grants answer 404."""

    authentication_classes = [AppSignatureAuthentication]
    permission_classes = [IsApprovedApp]

    @extend_schema(
        operation_id="apps_me_grant_scan",
        parameters=[*SIGNED_HEADERS, *SCAN_PATH],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The whole stream."),
            (206, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The range asked for."),
            **errors(401, 403, 404, 416),
        },
        description="Streams the scan's copy in Coffer's stream format (docs/format-stream.md). Decrypt it with "
        "the scan's `key` from the grant and check its SHA-256 against the signed `sha256`. Every request is audited.",
    )
    def get(self, request, grant_id: str, scan_id: str):
        download = scans.scan_download(
            app=request.auth, grant_id=grant_id, scan_id=scan_id,
            range_header=request.headers.get("Range"), request=request,
        )
        partial = download.byte_range is not None
        response = StreamingHttpResponse(
            download.body,
            status=status.HTTP_206_PARTIAL_CONTENT if partial else status.HTTP_200_OK,
            content_type="application/octet-stream",
        )
        response["Content-Length"] = str(download.length)
        if partial:
            response["Content-Range"] = download.byte_range.content_range(download.scan.ciphertext_size)
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "no-store"
        return response
