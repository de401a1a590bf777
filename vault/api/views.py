from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.permissions import request_scopes
from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors
from vault import selectors, services

from .serializers import (
    PasswordInput,
    PinChangeInput,
    PinInput,
    RecoverInput,
    RecoverOutput,
    SetupOutput,
    UnlockOutput,
    VaultStateOutput,
)
from .unlocking import clear_unlock_cookie, set_unlock_cookie, unlock_secret_from

UNLOCK_HEADER = OpenApiParameter(
    "X-Vault-Unlock", str, OpenApiParameter.HEADER, required=False,
    description="The unlock secret from POST /api/v1/vault/unlock (apps). Browsers send a cookie instead.",
)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class VaultView(APIView):
    @extend_schema(parameters=[UNLOCK_HEADER], responses={200: VaultStateOutput, **errors(401, 403)})
    def get(self, request):
        state = selectors.vault_state(user=request.user, unlock_secret=unlock_secret_from(request))
        return Response(VaultStateOutput(state).data)


class SetupView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}

    @extend_schema(request=PinInput, responses={201: SetupOutput, **errors(400, 401, 403, 409)})
    def post(self, request):
        result = services.vault_setup(user=request.user, **_valid(PinInput, request), request=request)
        return Response({"state": "locked", "recovery_code": result.recovery_code}, status=status.HTTP_201_CREATED)


class UnlockView(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "unlock"

    @extend_schema(request=PinInput, responses={200: UnlockOutput, **errors(400, 401, 403, 409, 423, 429, 503)})
    def post(self, request):
        session = services.vault_unlock(user=request.user, **_valid(PinInput, request), request=request)
        browser = request_scopes(request) is None
        body = {
            "unlock_secret": None if browser else session.unlock_secret,
            "idle_expires_at": session.idle_expires_at,
            "expires_at": session.expires_at,
        }
        response = Response(UnlockOutput(body).data)
        if browser:
            set_unlock_cookie(response, session)
        return response


class LockView(APIView):
    @extend_schema(request=None, parameters=[UNLOCK_HEADER], responses={204: None, **errors(401, 403)})
    def post(self, request):
        services.vault_lock(user=request.user, unlock_secret=unlock_secret_from(request), request=request)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        clear_unlock_cookie(response)
        return response


class PinChangeView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "unlock"

    @extend_schema(request=PinChangeInput, responses={204: None, **errors(400, 401, 403, 409, 423, 429, 503)})
    def post(self, request):
        services.vault_change_pin(user=request.user, **_valid(PinChangeInput, request),
                                  unlock_secret=unlock_secret_from(request), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecoverView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "unlock"

    @extend_schema(request=RecoverInput, responses={200: RecoverOutput, **errors(400, 401, 403, 409, 429, 503)})
    def post(self, request):
        code = services.vault_recover(user=request.user, **_valid(RecoverInput, request), request=request)
        response = Response({"recovery_code": code})
        clear_unlock_cookie(response)
        return response


class RecoveryCodeView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "unlock"

    @extend_schema(request=PinInput, responses={200: RecoverOutput, **errors(400, 401, 403, 409, 423, 429, 503)})
    def post(self, request):
        code = services.vault_new_recovery_code(user=request.user, **_valid(PinInput, request), request=request)
        return Response({"recovery_code": code})


class ReauthorizeView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(request=PasswordInput, responses={204: None, **errors(400, 401, 403, 429)})
    def post(self, request):
        services.vault_reauthorize(user=request.user, **_valid(PasswordInput, request), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
