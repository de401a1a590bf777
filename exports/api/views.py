"""The export endpoints: start, progress, download (with Range), a passphrase suggestion.
Thin: input through a serializer, then a service; every lookup through the owner."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors
from exports import services
from exports.passphrases import passphrase_suggest
from exports.selectors import export_get, export_list
from files.naming import attachment_disposition
from vault.api.unlocking import require_vault_keys

JOB_ID = OpenApiParameter("job_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
RANGE = OpenApiParameter(
    "Range", str, OpenApiParameter.HEADER, required=False,
    description="One range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix`: answered with 206.",
)


class ExportInput(serializers.Serializer):
    passphrase = serializers.CharField(
        trim_whitespace=False, max_length=1024, write_only=True,
        help_text="The passphrase `age -d` will ask for. At least 12 characters, not only digits.",
    )


class ExportOutput(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=["running", "done", "failed", "expired"])
    filename = serializers.CharField()
    items_total = serializers.IntegerField(help_text="Records and files in the export.")
    items_done = serializers.IntegerField()
    bytes_total = serializers.IntegerField(help_text="File bytes to read: each file is read twice "
                                                     "(its checksum first, then into the archive).")
    bytes_done = serializers.IntegerField()
    progress = serializers.FloatField(help_text="0..1, by bytes (by items for a vault without files)")
    size = serializers.IntegerField(help_text="The encrypted file's size, once done.")
    error = serializers.CharField()
    download_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class SuggestionOutput(serializers.Serializer):
    passphrase = serializers.CharField()


def export_output(job, request) -> dict:
    done = job.state == job.State.DONE
    if job.bytes_total:
        progress = job.bytes_done / job.bytes_total
    else:
        progress = job.items_done / job.items_total if job.items_total else float(done)
    return ExportOutput({
        "id": job.id, "state": job.state, "filename": job.filename,
        "items_total": job.items_total, "items_done": job.items_done,
        "bytes_total": job.bytes_total, "bytes_done": job.bytes_done,
        "progress": 1.0 if done else round(min(progress, 1.0), 4), "size": job.size, "error": job.error,
        "download_url": request.build_absolute_uri(reverse("api-export-download", args=[job.id])) if done else None,
        "created_at": job.created_at, "finished_at": job.finished_at, "expires_at": job.expires_at,
    }).data


class ExportListView(APIView):
    required_scopes = {"GET": VAULT_MANAGE, "POST": VAULT_MANAGE}
    # Starting runs scrypt (256 MiB, about a second at the production work factor):
    # rate-limited like an unlock, per user.
    throttle_scope = "unlock"

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(responses={200: ExportOutput(many=True), **errors(401, 403)})
    def get(self, request):
        return Response([export_output(job, request) for job in export_list(owner=request.user)[:20]])

    @extend_schema(request=ExportInput, responses={202: ExportOutput, **errors(400, 401, 403, 409, 423, 429)},
                   description="Starts an encrypted export of the whole vault. A weak passphrase answers 400 "
                   "`weak_passphrase` with a `suggestion`; a running rotation or export answers 409.")
    def post(self, request):
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        keys = require_vault_keys(request)
        job = services.export_start(user=request.user, keys=keys, passphrase=data.validated_data["passphrase"],
                                    request=request)
        job.refresh_from_db()
        return Response(export_output(job, request), status=status.HTTP_202_ACCEPTED)


class ExportSuggestionView(APIView):
    required_scopes = {"GET": VAULT_MANAGE}

    @extend_schema(responses={200: SuggestionOutput, **errors(401, 403)},
                   description="A random passphrase of about 148 bits, made for this answer and not stored.")
    def get(self, request):
        response = Response({"passphrase": passphrase_suggest()})
        response["Cache-Control"] = "no-store"
        return response


class ExportDetailView(APIView):
    required_scopes = {"GET": VAULT_MANAGE}

    @extend_schema(parameters=[JOB_ID], responses={200: ExportOutput, **errors(401, 403, 404)})
    def get(self, request, job_id: str):
        return Response(export_output(export_get(owner=request.user, job_id=job_id), request))


class ExportDownloadView(APIView):
    required_scopes = {"GET": VAULT_MANAGE}

    @extend_schema(
        operation_id="exports_download",
        parameters=[JOB_ID, RANGE],
        responses={
            200: OpenApiResponse(OpenApiTypes.BINARY), 206: OpenApiResponse(OpenApiTypes.BINARY),
            **errors(401, 403, 404, 409, 410, 416, 423),
        },
        description="The encrypted export (an age file), streamed; one Range is supported. Needs the vault "
        "unlocked. 409 while it is being made, 410 once it expired.",
    )
    def get(self, request, job_id: str):
        require_vault_keys(request)
        job = export_get(owner=request.user, job_id=job_id)
        range_header = None if request.headers.get("If-Range") else request.headers.get("Range")
        download = services.export_download(job=job, user=request.user, range_header=range_header, request=request)
        partial = download.byte_range is not None
        response = StreamingHttpResponse(
            download.body, status=status.HTTP_206_PARTIAL_CONTENT if partial else status.HTTP_200_OK,
            content_type="application/octet-stream",
        )
        response["Content-Length"] = str(download.length)
        if partial:
            response["Content-Range"] = download.byte_range.content_range(job.size)
        response["Accept-Ranges"] = "bytes"
        response["Content-Disposition"] = attachment_disposition(job.filename)
        response["Cache-Control"] = "no-store"
        return response
