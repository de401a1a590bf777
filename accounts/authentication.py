"""`Authorization: Token <token>` authentication for apps."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import AccessToken
from .tokens import token_digest

LAST_USED_RESOLUTION = timedelta(minutes=1)


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        now = timezone.now()
        access_token = (
            AccessToken.objects.select_related("user").filter(token_hash=token_digest(token)).first()
        )
        if (
            access_token is None
            or access_token.revoked_at is not None
            or (access_token.expires_at is not None and access_token.expires_at <= now)
            or not access_token.user.is_active
        ):
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if access_token.last_used_at is None or now - access_token.last_used_at > LAST_USED_RESOLUTION:
            AccessToken.objects.filter(pk=access_token.pk).update(last_used_at=now)
        return access_token.user, access_token

    def authenticate_header(self, request):
        return self.keyword


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.AccessTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, from POST /api/v1/accounts/token",
        }
