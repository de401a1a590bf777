"""Explicit input and output serializers. None of them touches the File model:
outputs serialise what files.presenting builds."""

from rest_framework import serializers

from files.sniffing import ALLOWED
from records.schemas.base import SCAN_ROLES


class FileOutput(serializers.Serializer):
    id = serializers.UUIDField()
    filename = serializers.CharField(
        allow_null=True,
        help_text="The original filename, decrypted. null while the vault is locked, "
        "or when the sealed name fails its integrity check (then integrity_error is true).",
    )
    content_type = serializers.ChoiceField(choices=ALLOWED, help_text="Sniffed from the file's first bytes.")
    size = serializers.IntegerField(help_text="Bytes of the file as uploaded.")
    record = serializers.UUIDField(allow_null=True, help_text="The record the file is attached to.")
    role = serializers.ChoiceField(
        choices=SCAN_ROLES, allow_null=True,
        help_text="The scan's role in its record's document (front, back, selfie, translation, other); "
        "null for a file that is no scan of a role.",
    )
    created_at = serializers.DateTimeField()
    integrity_error = serializers.BooleanField()


class FileListQuery(serializers.Serializer):
    record = serializers.UUIDField(required=False, help_text="Only the files attached to this record.")


class FileUploadForm(serializers.Serializer):
    """The request for browsers. Apps may instead send the file as the whole body."""

    file = serializers.FileField(help_text="PDF, JPEG, PNG, WebP, HEIC or TIFF; the type is sniffed from its bytes.")
    record = serializers.UUIDField(required=False, help_text="Attach the file to this record of yours.")


class FileFormFields(serializers.Serializer):
    """The form's fields other than the file itself."""

    record = serializers.UUIDField(required=False, allow_null=True)
