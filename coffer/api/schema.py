"""OpenAPI pieces shared by every endpoint: the error body and common error responses."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorBody = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Stable, machine-readable error code."),
        "detail": serializers.CharField(help_text="What went wrong, for people."),
        "fields": serializers.DictField(required=False, help_text="Per-field messages for bad input."),
        "attempts_remaining": serializers.IntegerField(required=False),
        "retry_after": serializers.IntegerField(required=False),
    },
)


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    return {status: OpenApiResponse(ErrorBody) for status in statuses}
