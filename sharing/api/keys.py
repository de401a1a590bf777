"""Published public keys, never by sequential user id (issue 14):

- GET /api/v1/keys/{handle}: public, by the opaque handle a user chose to share;
- GET /api/v1/apps/me/users/{id}/keys: to an app that holds a live grant from that user;
- GET, POST, DELETE /api/v1/key-handle: the user reads, replaces or withdraws their handle.

Every miss is the same 404 (sharing/key_handles.py).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors
from sharing import key_handles
from sharing.authentication import AppSignatureAuthentication

from .permissions import IsApprovedApp
from .serializers import UserKeysOutput
from .throttling import SharingRateThrottle


class KeyHandleOutput(serializers.Serializer):
    handle = serializers.CharField(help_text="Share it with whoever verifies your signatures.")
    created_at = serializers.DateTimeField()


def _keys_response(keys) -> Response:
    response = Response(UserKeysOutput(keys).data)
    # A replaced handle or a deleted account must stop verifying soon: cache briefly.
    response["Cache-Control"] = "public, max-age=300"
    return response


class PublishedKeysView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SharingRateThrottle]
    throttle_scope = "user_keys"

    @extend_schema(operation_id="keys_by_handle", auth=[], responses={200: UserKeysOutput, **errors(404, 429)},
                   description="No authentication. One 404 for every miss: unknown or replaced handle, "
                               "no vault, inactive account.")
    def get(self, request, handle: str):
        return _keys_response(key_handles.public_keys_by_handle(handle=handle))


class AppUserKeysView(APIView):
    authentication_classes = [AppSignatureAuthentication]
    permission_classes = [IsApprovedApp]

    @extend_schema(operation_id="apps_me_user_keys", responses={200: UserKeysOutput, **errors(401, 403, 404)},
                   description="A user's keys, to an app holding a live grant from them; 404 otherwise.")
    def get(self, request, user_id: int):
        return _keys_response(key_handles.public_keys_for_app(app=request.auth, user_id=user_id))


class KeyHandleView(APIView):
    required_scopes = {"GET": VAULT_MANAGE, "POST": VAULT_MANAGE, "DELETE": VAULT_MANAGE}

    @extend_schema(operation_id="key_handle_get", responses={200: KeyHandleOutput, **errors(401, 403, 404)})
    def get(self, request):
        handle = key_handles.key_handle_get(user=request.user)
        if handle is None:
            return Response({"code": "not_found", "detail": "You publish no key handle."}, status=404)
        return Response(KeyHandleOutput(handle).data)

    @extend_schema(operation_id="key_handle_rotate", request=None,
                   responses={201: KeyHandleOutput, **errors(401, 403, 404)},
                   description="A new random handle; the previous one stops working at once.")
    def post(self, request):
        handle = key_handles.key_handle_rotate(user=request.user, request=request)
        return Response(KeyHandleOutput(handle).data, status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="key_handle_delete", responses={204: None, **errors(401, 403)})
    def delete(self, request):
        key_handles.key_handle_delete(user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
