"""The app's URLs, plus /bench/floor/records/ (bench/plain/floor.py) and /bench/plain/records/: the same Record rows through a plain
ModelSerializer, with no decryption (list, read; and create, the baseline of POST /api/v1/records/).

Fair by construction: the same authentication (the access token), the same permission
classes (IsAuthenticated + HasScope, records:read), the same pagination (limit/offset,
PAGE_SIZE), the same ordering and owner filter, and the same columns read from the
database; the stored key and ciphertext go out base64-encoded, so the bodies are of a
similar size. What the plain endpoint skips is exactly the vault's work: the unlock-secret
check, unwrapping each record's key, opening and presenting the payload, and the audit
event.

Create takes the API's own body ({"kind", "label", "data"}) and stores it as one Record row
in one transaction, as record_create does, with the JSON bytes as the "ciphertext" and 72
random bytes as the "wrapped key": what it skips is making a DEK, sealing, wrapping, the
vault lock and the audit event.
"""

import base64
import json
import os
import uuid

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination

from django.db import transaction
from django.utils import timezone

from accounts.scopes import RECORDS_READ, RECORDS_WRITE
from bench.plain.floor import urlpatterns as floor_urlpatterns
from coffer.urls import urlpatterns as app_urlpatterns
from records.models import Record


class PlainRecordSerializer(serializers.ModelSerializer):
    wrapped_dek = serializers.SerializerMethodField()
    ciphertext = serializers.SerializerMethodField()

    class Meta:
        model = Record
        fields = ["id", "kind", "schema_version", "created_at", "updated_at", "revision", "vault_key_version",
                  "dek_version", "ciphertext_size", "wrapped_dek", "ciphertext"]

    def get_wrapped_dek(self, record) -> str:
        return base64.b64encode(record.wrapped_dek).decode()

    def get_ciphertext(self, record) -> str:
        return base64.b64encode(record.ciphertext).decode()


class PlainRecordCreateSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=32)
    label = serializers.CharField(max_length=200)
    data = serializers.DictField()

    def create(self, validated):
        now = timezone.now()
        raw = json.dumps({"label": validated["label"], "data": validated["data"]}).encode()
        return Record.objects.create(
            id=uuid.uuid4(), owner=self.context["request"].user, kind=validated["kind"], schema_version=1,
            created_at=now, updated_at=now, revision=1, dek_version=1, vault_key_version=1,
            ciphertext=raw, ciphertext_size=len(raw), wrapped_dek=os.urandom(72),
        )

    def to_representation(self, record):
        return PlainRecordSerializer(record).data


class PlainRecordMixin:
    serializer_class = PlainRecordSerializer
    required_scopes = {"GET": RECORDS_READ, "POST": RECORDS_WRITE}

    def get_queryset(self):
        return Record.objects.filter(owner=self.request.user)


class PlainRecordList(PlainRecordMixin, generics.ListCreateAPIView):
    pagination_class = LimitOffsetPagination

    def get_serializer_class(self):
        return PlainRecordCreateSerializer if self.request.method == "POST" else PlainRecordSerializer

    @transaction.atomic
    def perform_create(self, serializer):
        serializer.save()


class PlainRecordDetail(PlainRecordMixin, generics.RetrieveAPIView):
    lookup_url_kwarg = "record_id"


urlpatterns = [
    path("bench/plain/records/", PlainRecordList.as_view()),
    path("bench/plain/records/<uuid:record_id>/", PlainRecordDetail.as_view()),
    *floor_urlpatterns,
    *app_urlpatterns,
]
