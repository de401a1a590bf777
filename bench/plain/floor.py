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

/bench/floor/files/ does the same for files (`bench/files.py`, against raw boto3): the
bytes cross the server, since only the server can encrypt them (the key exists nowhere
else), so the floor is the request body read in 1 MiB pieces, sealed in the stream format
under a new DEK and put to the same store (the same part size, parts in flight and part
checksum), with the unlock session and an audit event for each upload and download; a
download reads the object ahead and opens it chunk by chunk. It leaves out the content
sniffing, the quota checks, the File row (the DEK stays in the worker's memory: the bench
runs one worker) and the writer thread that overlaps encrypting with sending.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import FILES_READ, FILES_WRITE, RECORDS_READ, RECORDS_WRITE
from audit.services import audit_record
from files.api.receiving import UnreadBodyParser
from files.streaming import decrypted_range
from records.models import Record
from records.sealing import Payload, encode_payload, new_dek, seal_payload, wrap_dek
from records.selectors import record_unseal
from storage.factory import get_store
from vault.api.unlocking import require_vault_keys
from vault.crypto.keys import new_key
from vault.crypto.stream import StreamEncryptor, plaintext_size
from vault.locking import keyset_sync, vault_locked

READ_BYTES = 1024 * 1024  # as files/api/receiving.py reads a raw body
STREAM_CONTEXT = b"coffer-bench-floor"
_FILE_DEKS: dict[str, bytes] = {}  # blob key -> DEK, in place of the File row


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


class FloorFileUpload(APIView):
    required_scopes = {"POST": FILES_WRITE}
    parser_classes = [UnreadBodyParser]

    def post(self, request):
        require_vault_keys(request)
        body, remaining = request._request, int(request.META.get("CONTENT_LENGTH") or 0)
        dek, store = new_key(), get_store()
        encryptor, key = StreamEncryptor(dek, STREAM_CONTEXT), store.new_key()

        def sealed():
            nonlocal remaining
            while remaining > 0:
                piece = body.read(min(READ_BYTES, remaining))
                if not piece:
                    raise ValueError("the body ended early")
                remaining -= len(piece)
                yield from encryptor.chunks(piece)
            yield encryptor.finalize()

        store.put(key, sealed())
        _FILE_DEKS[key] = dek
        audit_record(action="file.create", request=request, target_kind="file", target_id=key)
        return Response({"id": key}, status=status.HTTP_201_CREATED)


class FloorFileContent(APIView):
    required_scopes = {"GET": FILES_READ, "DELETE": FILES_WRITE}

    def get(self, request, key: str):
        require_vault_keys(request)
        store = get_store()
        size = store.size(key)
        pieces = decrypted_range(store=store, blob_key=key, dek=_FILE_DEKS[key], context=STREAM_CONTEXT,
                                 ciphertext_size=size, plaintext_size=plaintext_size(size), start=0,
                                 end=max(0, plaintext_size(size) - 1), read_ahead=settings.COFFER_FILE_READ_AHEAD)
        audit_record(action="file.download", request=request, target_kind="file", target_id=key)
        response = StreamingHttpResponse(pieces, content_type="application/octet-stream")
        response["Content-Length"] = str(plaintext_size(size))
        return response

    def delete(self, request, key: str):
        get_store().delete(key)
        _FILE_DEKS.pop(key, None)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("bench/floor/records/", FloorRecordList.as_view()),
    path("bench/floor/records/<uuid:record_id>/", FloorRecordDetail.as_view()),
    path("bench/floor/files/", FloorFileUpload.as_view()),
    path("bench/floor/files/<str:key>/content", FloorFileContent.as_view()),
]
