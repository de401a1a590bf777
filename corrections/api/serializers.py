"""Explicit input and output serializers: the sealed message never leaves through them;
the opened text goes only to its owner, from an unlocked vault."""

from __future__ import annotations

import unicodedata

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from records.schemas.base import SCAN_ROLES, StrictSerializer

MESSAGE_MAX = 300
# Bidirectional overrides and isolates: they would make a message read differently than it is.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class CorrectionReportInput(StrictSerializer):
    record_id = serializers.UUIDField(help_text="A record of this grant.")
    field = serializers.CharField(
        required=False, max_length=64,
        help_text="One of the fields the grant shares of this record. Absent: not about a field.",
    )
    scan_role = serializers.ChoiceField(
        choices=SCAN_ROLES, required=False,
        help_text="One of the scan roles the grant shares of this record. Absent: not about a scan.",
    )
    message = serializers.CharField(
        min_length=1, max_length=MESSAGE_MAX,
        help_text="What is wrong, for the user to read: 1 to 300 characters, no control characters.",
    )

    def validate_message(self, message: str) -> str:
        if any(unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI for char in message):
            raise ValidationError("Must not hold control characters.")
        return message

    def validate(self, attrs: dict) -> dict:
        if attrs.get("field") and attrs.get("scan_role"):
            raise ValidationError({"scan_role": ["Give a field or a scan role, not both."]})
        return attrs


class CorrectionStateOutput(serializers.Serializer):
    """What the app sees of its own correction: never its message back, only what became of it."""

    id = serializers.UUIDField()
    grant_id = serializers.UUIDField()
    record_id = serializers.UUIDField()
    field = serializers.CharField(allow_null=True, help_text="null: not about a field.")
    scan_role = serializers.CharField(allow_null=True, help_text="null: not about a scan.")
    state = serializers.ChoiceField(choices=["open", "resolved"])
    reason = serializers.ChoiceField(
        choices=["changed", "dismissed"], allow_null=True,
        help_text="Why it was resolved: the user changed what it is about, or dismissed it. null while open.",
    )
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class AppBrief(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class CorrectionOutput(CorrectionStateOutput):
    """A correction as its owner reads it, with the app's message opened."""

    app = AppBrief()
    message = serializers.CharField(
        allow_null=True, help_text="The app's words; null if the sealed message failed its integrity check.",
    )
    integrity_error = serializers.BooleanField()


def correction_state(correction) -> dict:
    return {
        "id": correction.pk, "grant_id": correction.grant_id, "record_id": correction.record_id,
        "field": correction.field or None, "scan_role": correction.scan_role or None, "state": correction.state,
        "reason": correction.resolved_reason or None, "created_at": correction.created_at,
        "resolved_at": correction.resolved_at,
    }


def correction_opened(opened) -> dict:
    app = opened.correction.grant.app
    return {
        **correction_state(opened.correction), "app": {"id": app.pk, "name": app.name},
        "message": opened.message, "integrity_error": opened.integrity_error,
    }
