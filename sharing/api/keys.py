"""GET /api/v1/users/{id}/keys: a user's public keys, for anyone who verifies their
signatures. Public on purpose, and rate-limited per client IP."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from coffer.api.schema import errors
from coffer.inputs import MAX_ID
from sharing import selectors

from .serializers import UserKeysOutput
from .throttling import SharingRateThrottle


USER_ID = OpenApiParameter(
    "user_id", {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH
)


class UserKeysView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SharingRateThrottle]
    throttle_scope = "user_keys"

    @extend_schema(
        operation_id="users_keys", auth=[], responses={200: UserKeysOutput, **errors(404, 429)},
        parameters=[USER_ID],
        description="No authentication. 404 for an unknown user or one without a vault, and for an id "
        "outside 1 to 2^63-1.",
    )
    def get(self, request, user_id: int):
        keys = selectors.user_public_keys(user_id=user_id)
        response = Response(UserKeysOutput(keys).data)
        # Keys never change for a user (rotation re-wraps the same keypairs), but a
        # deleted account must stop verifying soon: cache for a short while only.
        response["Cache-Control"] = "public, max-age=300"
        return response
