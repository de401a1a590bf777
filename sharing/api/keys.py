"""GET /api/v1/users/{id}/keys: a user's public keys, for anyone who verifies their
signatures. Public on purpose, and rate-limited per client IP."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from coffer.api.schema import errors
from sharing import selectors

from .serializers import UserKeysOutput
from .throttling import SharingRateThrottle


class UserKeysView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SharingRateThrottle]
    throttle_scope = "user_keys"

    @extend_schema(
        operation_id="users_keys", auth=[], responses={200: UserKeysOutput, **errors(404, 429)},
        description="No authentication. 404 for an unknown user or one without a vault.",
    )
    def get(self, request, user_id: int):
        keys = selectors.user_public_keys(user_id=user_id)
        response = Response(UserKeysOutput(keys).data)
        # Keys never change for a user (rotation re-wraps the same keypairs), but a
        # deleted account must stop verifying soon: cache for a short while only.
        response["Cache-Control"] = "public, max-age=300"
        return response
