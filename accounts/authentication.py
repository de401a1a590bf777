"""`Authorization: Token <token>` authentication for apps."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from audit.services import client_ip

from .models import AccessToken
from .services import token_auth_failure_record
from .tokens import token_digest

LAST_USED_RESOLUTION = timedelta(minutes=1)


class AccessTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise self._refuse(request, "malformed", "Invalid token header.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise self._refuse(request, "malformed", "Invalid token.") from None
        now = timezone.now()
        access_token = (
            AccessToken.objects.select_related("user").filter(token_hash=token_digest(token)).first()
        )
        reason = (
            "unknown" if access_token is None
            else "revoked" if access_token.revoked_at is not None
            else "expired" if access_token.expires_at is not None and access_token.expires_at <= now
            else "inactive_user" if not access_token.user.is_active
            else None
        )
        if reason is not None:
            raise self._refuse(request, reason, "Invalid, expired or revoked token.", access_token=access_token)
        if access_token.last_used_at is None or now - access_token.last_used_at > LAST_USED_RESOLUTION:
            AccessToken.objects.filter(pk=access_token.pk).update(
                last_used_at=now, last_used_ip=client_ip(getattr(request, "_request", request))
            )
        return access_token.user, access_token

    @staticmethod
    def _refuse(request, reason: str, message: str, access_token=None) -> exceptions.AuthenticationFailed:
        # The Django request: DRF's would authenticate again when the audit asks for its user.
        token_auth_failure_record(reason=reason, access_token=access_token,
                                  request=getattr(request, "_request", request))
        return exceptions.AuthenticationFailed(message)

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
