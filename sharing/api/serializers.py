"""Explicit input and output serializers. None is a ModelSerializer: a grant's sealed
bytes leave the server only through AppGrantOutput, to the app they are sealed to."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import URLValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from records.schemas.base import SCAN_ROLES, StrictSerializer
from sharing.signing import decode_b64

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
PURPOSE = re.compile(r"[a-z0-9][a-z0-9._:/-]{0,99}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@extend_schema_field(OpenApiTypes.BYTE)
class PublicKeyField(serializers.CharField):
    """A 32-byte public key as standard, padded base64 (44 characters)."""

    default_error_messages = {"key": "Must be 32 bytes as standard base64 with padding (44 characters)."}

    def to_internal_value(self, data) -> bytes:
        if not isinstance(data, str):
            self.fail("key")
        raw = decode_b64(data, 32)
        if raw is None:
            self.fail("key")
        return raw

    def to_representation(self, value) -> str:
        return base64.b64encode(bytes(value)).decode("ascii")


@extend_schema_field(OpenApiTypes.BYTE)
class Base64Field(serializers.Field):
    def to_representation(self, value) -> str:
        return base64.b64encode(bytes(value)).decode("ascii")


def _callback_url(url: str) -> str:
    try:
        URLValidator(schemes=["https", "http"])(url)
    except DjangoValidationError:
        raise ValidationError("Enter a valid URL.") from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError("Must not hold a user name or password.")
    if parts.fragment:
        raise ValidationError("Must not hold a fragment (#...).")
    if parts.scheme == "http" and (parts.hostname or "") not in LOCAL_HOSTS:
        raise ValidationError("Must use https (http only on localhost).")
    return url


# ---- apps ----


class AppRegisterInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    callback_url = serializers.CharField(max_length=500, help_text="https, or http on localhost.")
    box_public_key = PublicKeyField(help_text="X25519 public key: grants are sealed to it. Base64, 32 bytes.")
    sign_public_key = PublicKeyField(help_text="Ed25519 public key: it signs the app's requests. Base64, 32 bytes.")

    def validate_name(self, name: str) -> str:
        if _CONTROL.search(name):
            raise ValidationError("Must not hold control characters.")
        return name

    def validate_callback_url(self, url: str) -> str:
        return _callback_url(url)


class AppOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    callback_url = serializers.CharField()
    box_public_key = PublicKeyField()
    sign_public_key = PublicKeyField()
    state = serializers.ChoiceField(choices=["pending", "approved", "revoked"])
    created_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)


class AppGrantOutput(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.IntegerField(help_text="Whose grant: fetch their keys at /api/v1/users/{id}/keys.")
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    sealed_grant = Base64Field(help_text="crypto_box_seal to the app's X25519 key; see docs/sharing.md.")


# ---- grants ----


class GrantItemInput(StrictSerializer):
    record_id = serializers.UUIDField()
    fields = serializers.ListField(
        child=serializers.CharField(max_length=64), allow_null=True, required=False, default=None,
        min_length=1, max_length=64, help_text="Field names to share; null or absent: every field.",
    )
    share_label = serializers.BooleanField(
        required=False, default=False,
        help_text="Send the record's name (its label) too. Otherwise the app receives an empty label.",
    )
    scans = serializers.ListField(
        child=serializers.ChoiceField(choices=SCAN_ROLES), required=False, default=list,
        max_length=len(SCAN_ROLES),
        help_text="Scan roles to share: every scan of each role, each copied under a key only the grant holds.",
    )

    def validate_fields(self, names):
        if names is not None and len(set(names)) != len(names):
            raise ValidationError("Name each field once.")
        return names

    def validate_scans(self, roles):
        if len(set(roles)) != len(roles):
            raise ValidationError("Name each scan role once.")
        return roles


class GrantCreateInput(StrictSerializer):
    app_id = serializers.UUIDField()
    items = GrantItemInput(many=True)
    expires_at = serializers.DateTimeField(help_text="When the app stops being served this grant (whole seconds).")

    def validate_items(self, items):
        if not items:
            raise ValidationError("Choose at least one record.")
        if len(items) > settings.COFFER_GRANT_MAX_RECORDS:
            raise ValidationError(f"At most {settings.COFFER_GRANT_MAX_RECORDS} records per grant.")
        ids = [item["record_id"] for item in items]
        if len(set(ids)) != len(ids):
            raise ValidationError("Name each record once.")
        return items


class GrantAppOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class GrantItemOutput(serializers.Serializer):
    record_id = serializers.UUIDField()
    fields = serializers.ListField(child=serializers.CharField())
    label_shared = serializers.BooleanField()
    scans = serializers.ListField(child=serializers.CharField(), help_text="The scan roles shared.")


class GrantOutput(serializers.Serializer):
    id = serializers.UUIDField()
    app = GrantAppOutput()
    state = serializers.ChoiceField(choices=["live", "expired", "revoked"])
    items = GrantItemOutput(many=True)
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


# ---- user keys ----


class UserKeysOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    box_public_key = PublicKeyField(help_text="X25519, base64.")
    sign_public_key = PublicKeyField(help_text="Ed25519, base64: verifies the user's grants and attestations.")


# ---- attestations ----


class AttestationInput(StrictSerializer):
    purpose = serializers.CharField(
        max_length=100, trim_whitespace=False,
        help_text="What the statement is for, e.g. 'location-fix': lowercase letters, digits and . _ : / -",
    )
    payload = serializers.JSONField(
        help_text="Any JSON without non-integer numbers: send decimals as strings or scaled integers."
    )

    def validate_purpose(self, purpose: str) -> str:
        if not PURPOSE.fullmatch(purpose):
            raise ValidationError(
                "Use 1 to 100 of: lowercase letters, digits and . _ : / - (starting with a letter or digit)."
            )
        return purpose


class AttestationDocumentOutput(serializers.Serializer):
    version = serializers.IntegerField()
    user_id = serializers.IntegerField()
    purpose = serializers.CharField()
    issued_at = serializers.IntegerField(help_text="Unix time, seconds.")
    payload = serializers.JSONField()


class AttestationOutput(serializers.Serializer):
    attestation = AttestationDocumentOutput()
    signature = Base64Field(help_text="Ed25519 over `canonical`, base64.")
    public_key = Base64Field(help_text="The user's Ed25519 public key, base64. Check it against /users/{id}/keys.")
    canonical = Base64Field(help_text="The exact signed bytes, base64: 'coffer-attestation-v1\\n' || canonical JSON.")
