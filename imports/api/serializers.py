"""Explicit output serializers (never a ModelSerializer: the job holds sealed material)."""

from __future__ import annotations

from rest_framework import serializers


class ImportUploadForm(serializers.Serializer):
    source = serializers.FileField(help_text="A Coffer export (.age), a CXF JSON document or an unencrypted CXP "
                                             "export (.zip: index.jcf and documents/<file id>), or Bitwarden's "
                                             "unencrypted export (.json, or .zip with attachments).")
    passphrase = serializers.CharField(required=False, write_only=True, trim_whitespace=False, max_length=1024,
                                       help_text="For a Coffer export: the passphrase it was made with.")


class LeftOutput(serializers.Serializer):
    source = serializers.CharField(help_text="Where in the source, such as \"item 3 'Passport'\".")
    what = serializers.CharField()
    reason = serializers.CharField()


class PlannedRecordOutput(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.CharField())


class PreviewOutput(serializers.Serializer):
    records = PlannedRecordOutput(many=True)
    files = serializers.ListField(child=serializers.CharField(), help_text="Files attached to no record.")
    left = LeftOutput(many=True, help_text="What the source holds that Coffer will not create, and why.")


class ImportOutput(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=["preview", "running", "done", "failed", "cancelled"])
    format = serializers.ChoiceField(choices=["coffer", "cxf", "cxf_zip", "bitwarden_json", "bitwarden_zip"])
    records_planned = serializers.IntegerField()
    files_planned = serializers.IntegerField()
    left_count = serializers.IntegerField()
    files_staged = serializers.IntegerField()
    bytes_planned = serializers.IntegerField()
    bytes_staged = serializers.IntegerField()
    records_created = serializers.IntegerField()
    files_created = serializers.IntegerField()
    progress = serializers.FloatField(help_text="0..1, by file bytes staged")
    error = serializers.DictField(allow_null=True, help_text="{code, detail} once failed")
    preview = PreviewOutput(allow_null=True, help_text="While the job is in preview or running.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
