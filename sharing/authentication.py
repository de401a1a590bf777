"""Apps authenticate by signing each request with their Ed25519 key (docs/sharing.md §4).

Used only by the app endpoints. `request.user` stays anonymous; `request.auth` is the App.
"""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication

from .errors import APP_AUTH_SCHEME, AppSignatureInvalid
from .selectors import app_get
from .signing import APP_ID_HEADER, signed_request_verify


class AppSignatureAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        app_id = request.headers.get(APP_ID_HEADER)
        if app_id is None:
            return None
        app = app_get(app_id=app_id)
        if app is None:
            # The same answer as a bad signature: an app id proves nothing on its own.
            raise AppSignatureInvalid()
        signed_request_verify(sign_public_key=bytes(app.sign_public_key), app_id=app_id, request=request)
        return AnonymousUser(), app

    def authenticate_header(self, request):
        return APP_AUTH_SCHEME


class AppSignatureScheme(OpenApiAuthenticationExtension):
    target_class = "sharing.authentication.AppSignatureAuthentication"
    name = "appSignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-App-Signature",
            "description": (
                "Ed25519 signature by the app's key, with X-App-Id, X-App-Timestamp and X-App-Nonce; "
                "see docs/sharing.md §4."
            ),
        }
