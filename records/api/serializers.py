"""Explicit input and output serializers. None of them touches the Record model:
outputs serialise what records.presenting builds from decrypted payloads."""

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from records.schemas import KINDS, KIND_NAMES
from records.selectors import SEARCH_MAX_LENGTH
from records.schemas.base import StrictSerializer
from records.schemas.fields import StrictCharField


def label_field(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=200, allow_blank=True, help_text="Your name for the record. Encrypted.", **kwargs)


class RecordCreateInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=KIND_NAMES)
    label = label_field(required=False, default="")
    data = serializers.DictField(help_text="The kind's fields; see docs/records.md.")


class RecordUpdateInput(StrictSerializer):
    refused_fields = {"kind": "The kind of a record cannot change."}

    label = label_field(required=False)
    data = serializers.DictField(
        required=False,
        help_text="Fields to change, merged into the stored data; null removes an optional field. "
        "The result is validated as a whole.",
    )

    def validate(self, attrs):
        if not attrs:
            raise ValidationError("Send a label, data, or both.")
        return attrs


class RecordListQuery(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_NAMES, required=False)
    q = StrictCharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX_LENGTH,
        help_text="Search label, kind and non-secret field values; every word must match.",
    )
    reveal = serializers.BooleanField(required=False, default=False)

    def validate_reveal(self, reveal: bool) -> bool:
        if reveal:
            raise ValidationError("Reveal one record at a time, with GET /api/v1/records/{id}/?reveal=true.")
        return reveal


class RecordReadQuery(serializers.Serializer):
    reveal = serializers.BooleanField(required=False, default=False)


class RecordOutput(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=KIND_NAMES)
    schema_version = serializers.IntegerField()
    revision = serializers.IntegerField(help_text="Bumped on every change.")
    etag = serializers.CharField(help_text="The ETag header's value; send it back in If-Match.")
    label = serializers.CharField()
    data = serializers.DictField(help_text="Secret fields are masked unless revealed.")
    expired = serializers.BooleanField(help_text="The document's expiry date (or card's month) has passed.")
    revealed = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class RecordListItemOutput(RecordOutput):
    """In a list, a record that fails its integrity check comes back flagged, without content."""

    label = serializers.CharField(allow_null=True)
    data = serializers.DictField(allow_null=True)
    expired = serializers.BooleanField(allow_null=True)
    integrity_error = serializers.BooleanField()


# ---- OpenAPI only: one request shape per kind, told apart by `kind` ----


def _kind_constant(name: str) -> serializers.Field:
    # A one-value string. A pattern, not an enum: enums become shared components whose names collide.
    field_class = extend_schema_field({"type": "string", "pattern": f"^{name}$"})(
        type(f"{name}KindField", (serializers.CharField,), {})
    )
    return field_class()


def _create_shape(name: str) -> type[serializers.Serializer]:
    data_serializer = KINDS[name].serializer
    return type(
        f"{data_serializer.__name__[: -len('Data')]}RecordCreate",
        (serializers.Serializer,),
        {
            "kind": _kind_constant(name),
            "label": label_field(required=False),
            "data": data_serializer(),
        },
    )


RecordCreateSchema = PolymorphicProxySerializer(
    component_name="RecordCreate",
    serializers={name: _create_shape(name) for name in KIND_NAMES},
    resource_type_field_name="kind",
)
