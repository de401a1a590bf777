"""POST /api/v1/attestations/: sign a statement with the user's Ed25519 key."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors
from sharing import services
from vault.api.unlocking import require_vault_keys
from vault.api.views import UNLOCK_HEADER

from .serializers import AttestationInput, AttestationOutput


class AttestationView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}

    @extend_schema(
        operation_id="attestations_sign",
        parameters=[UNLOCK_HEADER],
        request=AttestationInput,
        responses={200: AttestationOutput, **errors(400, 401, 403, 423)},
        description="Signs {version, user_id, purpose, issued_at, payload}; see docs/attestations.md. "
        "The server keeps no copy.",
    )
    def post(self, request):
        keys = require_vault_keys(request)
        serializer = AttestationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        signed = services.attestation_sign(user=request.user, keys=keys, **serializer.validated_data, request=request)
        body = {
            "attestation": signed.document,
            "signature": signed.signature,
            "public_key": signed.public_key,
            "canonical": signed.message,
        }
        return Response(AttestationOutput(body).data)
