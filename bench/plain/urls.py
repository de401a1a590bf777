"""The app's URLs, plus /bench/plain/records/: the same Record rows through a plain
ModelSerializer, with no decryption.

Fair by construction: the same authentication (the access token), the same permission
classes (IsAuthenticated + HasScope, records:read), the same pagination (limit/offset,
PAGE_SIZE), the same ordering and owner filter, and the same columns read from the
database; the stored key and ciphertext go out base64-encoded, so the bodies are of a
similar size. What the plain endpoint skips is exactly the vault's work: the unlock-secret
check, unwrapping each record's key, opening and presenting the payload, and the audit
event.
"""

import base64

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination

from accounts.scopes import RECORDS_READ
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


class PlainRecordMixin:
    serializer_class = PlainRecordSerializer
    required_scopes = {"GET": RECORDS_READ}

    def get_queryset(self):
        return Record.objects.filter(owner=self.request.user)


class PlainRecordList(PlainRecordMixin, generics.ListAPIView):
    pagination_class = LimitOffsetPagination


class PlainRecordDetail(PlainRecordMixin, generics.RetrieveAPIView):
    lookup_url_kwarg = "record_id"


urlpatterns = [
    path("bench/plain/records/", PlainRecordList.as_view()),
    path("bench/plain/records/<uuid:record_id>/", PlainRecordDetail.as_view()),
    *app_urlpatterns,
]
