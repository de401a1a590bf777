"""Devices and access through the API: the same list as the account page, and ending an
unlock session by its id. Web sign-ins end in the browser; tokens at /tokens/{id}."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from access import selectors, services
from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors


class AccessEntryOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=list(selectors.KIND_LABELS), help_text="web, unlock or token")
    id = serializers.CharField(help_text="An unlock session's id (not its secret), a token's or a web sign-in's id.")
    where = serializers.IPAddressField(allow_null=True, help_text="The client address of the last use "
                                                                  "(an unlock session's: of its opening).")
    device = serializers.CharField(help_text="The browser or program; a token's first characters.")
    last_used_at = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="This very request's sign-in, unlock session or token.")
    name = serializers.CharField(help_text="A token's name; for an unlock session, the token that opened it.")
    scopes = serializers.ListField(child=serializers.CharField())


class AccessListView(APIView):
    required_scopes = {"GET": VAULT_MANAGE}

    @extend_schema(responses={200: AccessEntryOutput(many=True), **errors(401, 403)},
                   description="Every live web sign-in, unlock session and API token of the account, "
                               "most recently used first.")
    def get(self, request):
        entries = selectors.access_list(user=request.user, request=request)
        return Response(AccessEntryOutput(entries, many=True).data)


class UnlockSessionDetailView(APIView):
    required_scopes = {"DELETE": VAULT_MANAGE}

    @extend_schema(responses={204: None, **errors(401, 403, 404)},
                   description="Ends one unlock session: its unlock secret opens nothing afterwards.")
    def delete(self, request, session_id: str):
        record = selectors.unlock_session_get(user=request.user, session_id=session_id)
        services.unlock_session_end(record=record, current_epoch=selectors.current_epoch(user=request.user),
                                    request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
