"""The import endpoints: upload (and preview), progress, confirm, cancel. Thin: a
receiver or a serializer, then a service; every lookup through the owner."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import VAULT_MANAGE
from coffer.api.schema import errors
from files.api.receiving import UnreadBodyParser
from imports import services
from imports.selectors import import_get, import_list, import_progress
from vault.api.unlocking import require_vault_keys

from .receiving import SourceReceiver
from .serializers import ImportOutput, ImportUploadForm

JOB_ID = OpenApiParameter("job_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def import_output(job) -> dict:
    preview = services.import_preview(job=job) if job.state in ("preview", "running") else None
    return ImportOutput({
        "id": job.id, "state": job.state, "format": job.source_format,
        "records_planned": job.records_planned, "files_planned": job.files_planned, "left_count": job.left_count,
        "files_staged": job.files_staged, "bytes_planned": job.bytes_planned, "bytes_staged": job.bytes_staged,
        "records_created": job.records_created, "files_created": job.files_created,
        "progress": import_progress(job),
        "error": {"code": job.error_code, "detail": job.error_detail} if job.error_code else None,
        "preview": preview, "created_at": job.created_at, "started_at": job.started_at,
        "finished_at": job.finished_at,
    }).data


class ImportListView(APIView):
    required_scopes = {"GET": VAULT_MANAGE, "POST": VAULT_MANAGE}
    parser_classes = [MultiPartParser, UnreadBodyParser]
    receiver: SourceReceiver | None = None

    def initialize_request(self, request, *args, **kwargs):
        drf_request = super().initialize_request(request, *args, **kwargs)
        if request.method == "POST":
            # Before authentication: a session's CSRF check may read the form.
            self.receiver = SourceReceiver(request)
        return drf_request

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self.receiver is not None:
                self.receiver.discard()

    @extend_schema(operation_id="imports_list", responses={200: ImportOutput(many=True), **errors(401, 403)})
    def get(self, request):
        return Response([import_output(job) for job in import_list(owner=request.user)[:50]])

    @extend_schema(
        operation_id="imports_create",
        request={"multipart/form-data": ImportUploadForm},
        responses={201: ImportOutput, **errors(400, 401, 403, 413, 415, 423)},
        description="Stores the source encrypted and reads it: the answer's `preview` lists what would be "
                    "created and what not (and why). Nothing is written to the vault until you confirm.",
    )
    def post(self, request):
        require_vault_keys(request)
        incoming, _ = self.receiver.received(request)
        job = services.import_create(incoming=incoming, request=request)
        self.receiver.keep()
        return Response(import_output(job), status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    required_scopes = {"GET": VAULT_MANAGE}

    @extend_schema(operation_id="imports_retrieve", parameters=[JOB_ID],
                   responses={200: ImportOutput, **errors(401, 403, 404)})
    def get(self, request, job_id):
        return Response(import_output(import_get(owner=request.user, job_id=job_id)))


class ImportConfirmView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}

    @extend_schema(operation_id="imports_confirm", parameters=[JOB_ID], request=None,
                   responses={202: ImportOutput, **errors(401, 403, 404, 409, 423)})
    def post(self, request, job_id):
        keys = require_vault_keys(request)
        job = import_get(owner=request.user, job_id=job_id)
        job = services.import_confirm(owner=request.user, keys=keys, job_id=job.pk, request=request)
        return Response(import_output(job), status=status.HTTP_202_ACCEPTED)


class ImportCancelView(APIView):
    required_scopes = {"POST": VAULT_MANAGE}

    @extend_schema(operation_id="imports_cancel", parameters=[JOB_ID], request=None,
                   responses={204: OpenApiResponse(description="Cancelled; the stored source is deleted."),
                              **errors(401, 403, 404, 409)})
    def post(self, request, job_id):
        job = import_get(owner=request.user, job_id=job_id)
        services.import_cancel(owner=request.user, job_id=job.pk, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
