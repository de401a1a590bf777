from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.deletion import account_delete
from accounts.permissions import BrowserSessionOnly
from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors

from .serializers import (
    AccountDeletedOutput,
    AccountDeleteInput,
    TokenCreatedOutput,
    TokenCreateInput,
    TokenOutput,
)


def _token_output(access_token, token: str | None = None) -> dict:
    data = TokenOutput(access_token).data
    if token is not None:
        data["token"] = token
    return data


class TokenCreateView(APIView):
    """Issues an API token to a signed-in allauth session, or for a username and password.

    Apps and scripts sign in through allauth's headless API (`/_allauth/app/v1/auth/login`,
    then the second factor if the account has one) and send the session token it answers
    as `X-Session-Token`. Accounts without a second factor may send their username and
    password here instead (docs/accounts.md).
    """

    permission_classes = [AllowAny]
    authentication_classes = [XSessionTokenAuthentication]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenCreateInput, responses={201: TokenCreatedOutput, **errors(400, 401, 403, 429)},
                   auth=[])
    def post(self, request):
        data = TokenCreateInput(data=request.data, context={"signed_in": request.user.is_authenticated})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if request.user.is_authenticated:
            user = request.user  # signed in by allauth, second factor included
        else:
            user = services.token_login(username=fields["username"], password=fields["password"], request=request)
        issued = services.token_create(
            user=user, name=fields["name"], scopes=fields["scopes"], expires_at=fields.get("expires_at"),
            request=request,
        )
        return Response(_token_output(issued.access_token, issued.token), status=status.HTTP_201_CREATED)


class TokenListView(APIView):
    required_scopes = {"GET": VAULT_MANAGE}

    @extend_schema(responses={200: TokenOutput(many=True), **errors(401, 403)})
    def get(self, request):
        return Response([_token_output(t) for t in selectors.token_list(user=request.user)])


class TokenDetailView(APIView):
    required_scopes = {"DELETE": VAULT_MANAGE}

    @extend_schema(responses={204: None, **errors(401, 403, 404)})
    def delete(self, request, token_id: int):
        access_token = selectors.token_get(user=request.user, token_id=token_id)
        services.token_revoke(access_token=access_token, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountDeleteView(APIView):
    """Deleting the account: a browser session only, never a token (docs/security.md)."""

    permission_classes = [IsAuthenticated, BrowserSessionOnly]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=AccountDeleteInput, responses={202: AccountDeletedOutput, **errors(400, 401, 403, 429)},
        description="Deletes the signed-in account. Needs the account password and the username typed "
        "exactly as `confirmation`. Every key is destroyed at once; the encrypted objects are deleted in "
        "the background by the erasure job named in the answer. Refused to API tokens (403 "
        "`session_required`); a wrong password answers 403 `reauthentication_failed`.",
    )
    def post(self, request):
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = account_delete(user=request.user, **data.validated_data, request=request)
        request._request.session.flush()  # not logout(): its signal would audit the gone user by name
        return Response(
            AccountDeletedOutput({"erasure_job_id": job.pk, "detail": "Your account is deleted."}).data,
            status=status.HTTP_202_ACCEPTED,
        )
