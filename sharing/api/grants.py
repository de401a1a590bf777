"""A user's grants: create (unlocked vault), list, read, revoke (no unlock needed)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasScope
from accounts.scopes import RECORDS_READ, VAULT_MANAGE
from coffer.api.pagination import BoundedLimitOffsetPagination
from coffer.api.schema import errors
from sharing import selectors, services
from sharing.presenting import present_grant
from sharing.services import GrantRequestItem
from vault.api.unlocking import require_vault_keys
from vault.api.views import UNLOCK_HEADER

from .permissions import HasEveryScope
from .serializers import GrantCreateInput, GrantOutput

GRANT_ID = OpenApiParameter("grant_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class GrantListView(APIView):
    required_scopes = {"GET": VAULT_MANAGE, "POST": VAULT_MANAGE}
    # Sharing a record's data needs the right to read it, too.
    also_required_scopes = {"POST": (RECORDS_READ,)}
    permission_classes = [IsAuthenticated, HasScope, HasEveryScope]
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(operation_id="grants_list", responses={200: GrantOutput(many=True), **errors(400, 401, 403)})
    def get(self, request):
        paginator = self.pagination_class()
        grants = paginator.paginate_queryset(selectors.grant_list(user=request.user), request, view=self)
        return paginator.get_paginated_response(GrantOutput([present_grant(g) for g in grants], many=True).data)

    @extend_schema(
        operation_id="grants_create",
        parameters=[UNLOCK_HEADER],
        request=GrantCreateInput,
        responses={201: GrantOutput, **errors(400, 401, 403, 404, 409, 413, 423)},
        description="Signs the chosen fields with your key and seals them to the app. "
        "An app or record id that is not found, or not yours, answers 404.",
    )
    def post(self, request):
        keys = require_vault_keys(request)
        serializer = GrantCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        items = [
            GrantRequestItem(
                record_id=item["record_id"],
                fields=None if item["fields"] is None else tuple(item["fields"]),
                share_label=item["share_label"],
                scan_roles=tuple(item["scans"]),
            )
            for item in fields["items"]
        ]
        grant = services.grant_create(
            user=request.user, keys=keys, app_id=fields["app_id"], items=items,
            expires_at=fields["expires_at"], request=request,
        )
        return Response(GrantOutput(present_grant(grant)).data, status=status.HTTP_201_CREATED)


class GrantDetailView(APIView):
    required_scopes = {"GET": VAULT_MANAGE, "DELETE": VAULT_MANAGE}

    @extend_schema(
        operation_id="grants_retrieve", parameters=[GRANT_ID], responses={200: GrantOutput, **errors(401, 403, 404)}
    )
    def get(self, request, grant_id: str):
        return Response(GrantOutput(present_grant(selectors.grant_get(user=request.user, grant_id=grant_id))).data)

    @extend_schema(
        operation_id="grants_revoke",
        parameters=[GRANT_ID],
        responses={204: None, **errors(401, 403, 404)},
        description="Revokes at once: the app is never served this grant again. Works on a locked vault.",
    )
    def delete(self, request, grant_id: str):
        services.grant_revoke(user=request.user, grant_id=grant_id, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
