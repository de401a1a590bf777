"""App endpoints: registration (signed with the key being registered), and the app's own
view of itself and its grants (signed requests, approved apps only)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from coffer.api.pagination import BoundedLimitOffsetPagination
from coffer.api.schema import errors
from sharing import selectors, services
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
