"""Explicit input and output serializers; none touches UploadSession, which holds wrapped keys."""

from rest_framework import serializers

from records.schemas.base import SCAN_ROLES


class UploadStartInput(serializers.Serializer):
    size = serializers.IntegerField(min_value=0, max_value=2**62, help_text="The file's size in bytes, as sent.")
    filename = serializers.CharField(max_length=1024, help_text="The file's name.")
    content_type = serializers.CharField(
        max_length=255, required=False, allow_blank=True,
        help_text="The declared type; the first bytes decide, as for a one-shot upload.",
    )
    record = serializers.UUIDField(required=False, allow_null=True, help_text="Attach the file to this record of yours.")
    role = serializers.ChoiceField(choices=SCAN_ROLES, required=False, help_text="The scan's role in the record (with `record`).")
    replace = serializers.BooleanField(required=False, default=False,
                                       help_text="With a role that holds one scan: replace it at the finish.")

    def validate(self, attrs):
        if attrs.get("role") and not attrs.get("record"):
            raise serializers.ValidationError({"role": "A role needs a record."})
        return attrs


class UploadOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="The session's id, which the file will keep.")
    offset = serializers.IntegerField(help_text="Bytes stored so far: the next segment starts here.")
    size = serializers.IntegerField(help_text="The declared size.")
    part_size = serializers.IntegerField(help_text="A segment other than the last holds a multiple of this many bytes.")
    expires_at = serializers.DateTimeField(help_text="After this the session and its parts are gone.")
