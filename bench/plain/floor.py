"""/bench/floor/records/: the floor under Coffer's records API, the cost of its
cryptography and of its guarantees with nothing else around them.

Each view is the plain side of bench/plain/urls.py (the same token authentication,
permission classes, pagination, ordering and owner filter) plus only what no
implementation of Coffer's design can skip:

- every request: the unlock session (`require_vault_keys`: the vault row, the sealed
  session in Redis, one open), since the server holds no key the user has not unlocked;
- list and read: each record's DEK unwrapped and its payload opened (`record_unseal`:
  two XChaCha20-Poly1305 opens and the JSON parse);
- reveal: the read, then the audit event appended to the hash chain and committed
  before the value leaves (`audit_record`);
- create: a new DEK, the payload sealed, and, in one transaction under the vault lock
  (DESIGN §5), the key set re-checked, the DEK wrapped under the newest version, the
  row inserted and the audit event appended.

What the floor leaves out, and Coffer's API pays on top: the kind's field validation and
size limits, masking and presenting the fields, ETags, the damaged-record audit path, the
OpenAPI-shaped error handling. `bench/records.py` measures Coffer against this floor as
well as against the plain side, so the distance to the plain side splits into what the
guarantees cost (plain → floor) and what Coffer adds (floor → Coffer).
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.urls import path
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import RECORDS_READ, RECORDS_WRITE
from audit.services import audit_record
from records.models import Record
from records.sealing import Payload, encode_payload, new_dek, seal_payload, wrap_dek
from records.selectors import record_unseal
from vault.api.unlocking import require_vault_keys
from vault.locking import keyset_sync, vault_locked


class FloorCreateInput(serializers.Serializer):
    kind = serializers.CharField(max_length=32)
    label = serializers.CharField(max_length=200)
    data = serializers.DictField()


def _opened(record: Record, keys) -> dict:
    _, payload = record_unseal(record=record, keys=keys)
    return {"id": record.pk, "kind": record.kind, "schema_version": record.schema_version,
            "created_at": record.created_at, "updated_at": record.updated_at, "revision": record.revision,
            "label": payload.label, "data": payload.data}


def _audited(action: str, record: Record, request) -> None:
    audit_record(action=action, subject=record.owner_id, request=request, target_kind="record", target_id=record.pk,
                 details={"kind": record.kind})


class FloorRecordList(APIView):
    required_scopes = {"GET": RECORDS_READ, "POST": RECORDS_WRITE}

    def get(self, request):
        keys = require_vault_keys(request)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(Record.objects.filter(owner=request.user).order_by("-created_at", "-id"),
                                           request, view=self)
        return paginator.get_paginated_response([_opened(record, keys) for record in page])

    def post(self, request):
        keys = require_vault_keys(request)
        fields = FloorCreateInput(data=request.data)
        fields.is_valid(raise_exception=True)
        now = timezone.now()
        record = Record(id=uuid.uuid4(), owner=request.user, kind=fields.validated_data["kind"], schema_version=1,
                        created_at=now, updated_at=now, revision=1, dek_version=1)
        dek = new_dek()
        payload = Payload(label=fields.validated_data["label"], data=fields.validated_data["data"])
        record.ciphertext = seal_payload(dek=dek, payload=encode_payload(payload), user_id=request.user.pk,
                                         record_id=str(record.pk), dek_version=1, kind=record.kind, schema_version=1)
        record.ciphertext_size = len(record.ciphertext)
        with vault_locked(user_id=request.user.pk) as vault:
            keys = keyset_sync(vault=vault, keys=keys)
            record.vault_key_version = keys.current_version
            record.wrapped_dek = wrap_dek(vault_key=keys.current, dek=dek, user_id=request.user.pk,
                                          record_id=str(record.pk), vault_key_version=keys.current_version)
            record.save(force_insert=True)
            _audited("record.create", record, request)
        return Response({"id": record.pk, "kind": record.kind, "label": payload.label, "data": payload.data,
                         "created_at": record.created_at, "revision": 1}, status=status.HTTP_201_CREATED)


class FloorRecordDetail(APIView):
    required_scopes = {"GET": RECORDS_READ}

    def get(self, request, record_id):
        keys = require_vault_keys(request)
        record = Record.objects.filter(Q(owner=request.user) & Q(pk=record_id)).first()
        if record is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        opened = _opened(record, keys)
        if request.query_params.get("reveal") == "true":
            _audited("record.reveal", record, request)
        return Response(opened)


urlpatterns = [
    path("bench/floor/records/", FloorRecordList.as_view()),
    path("bench/floor/records/<uuid:record_id>/", FloorRecordDetail.as_view()),
]
