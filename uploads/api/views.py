"""The resumable upload API (docs/files.md, "Resumable uploads"): thin views over uploads.services."""

from django.http import UnreadablePostError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import FILES_WRITE
from coffer.api.schema import errors
from coffer.inputs import InvalidHeader, header_int
from files.api.receiving import READ_BYTES, UnreadBodyParser, content_length
from files.api.serializers import FileOutput
from files.errors import UploadIncomplete
from files.presenting import present_file
from files.selectors import DescribedFile
from uploads import services
from uploads.selectors import upload_get
from vault.api.unlocking import require_vault_keys
from vault.api.views import UNLOCK_HEADER

from .serializers import UploadOutput, UploadStartInput

UPLOAD_ID = OpenApiParameter("upload_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
UPLOAD_OFFSET = OpenApiParameter(
    "Upload-Offset", int, OpenApiParameter.HEADER, required=True,
    description="Where the segment starts: the session's `offset`.",
)


def _present(session) -> dict:
    return {"id": session.pk, "offset": session.offset, "size": session.size, "part_size": session.part_size,
            "expires_at": session.expires_at}


def _body_reader(request):
    def read(n: int) -> bytes:
        pieces, remaining = [], n
        while remaining > 0:
            try:
                piece = request.read(min(READ_BYTES, remaining))
            except (UnreadablePostError, OSError):
                raise UploadIncomplete() from None
            if not piece:
                raise UploadIncomplete()  # the client went away before Content-Length bytes
            pieces.append(piece)
            remaining -= len(piece)
        return b"".join(pieces)

    return read


class UploadListView(APIView):
    required_scopes = {"POST": FILES_WRITE}

    @extend_schema(
        operation_id="uploads_create",
        parameters=[UNLOCK_HEADER],
        request=UploadStartInput,
        responses={201: UploadOutput, **errors(400, 401, 403, 404, 413, 415, 423, 503, 507)},
        description="Start a resumable upload: its size, name and declared type, and optionally the "
        "record and role it will be a scan of. Refused as a one-shot upload would be (too large, "
        "over quota, an unaccepted type or role). Then send segments with PATCH.",
    )
    def post(self, request):
        keys = require_vault_keys(request)
        serializer = UploadStartInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session = services.upload_start(
            owner=request.user, keys=keys, size=data["size"], filename=data["filename"],
            declared_type=data.get("content_type") or None, record_id=data.get("record"),
            role=data.get("role") or "", replace=data["replace"],
        )
        return Response(UploadOutput(_present(session)).data, status=status.HTTP_201_CREATED,
                        headers={"Location": f"/api/v1/uploads/{session.pk}", "Upload-Offset": "0"})


class UploadDetailView(APIView):
    required_scopes = {"GET": FILES_WRITE, "HEAD": FILES_WRITE, "PATCH": FILES_WRITE, "DELETE": FILES_WRITE}
    parser_classes = [UnreadBodyParser]

    @extend_schema(
        operation_id="uploads_retrieve",
        parameters=[UPLOAD_ID],
        responses={200: UploadOutput, **errors(401, 403, 404)},
        description="Where a resumable upload stands: send the next segment from `offset`.",
    )
    def get(self, request, upload_id):
        session = upload_get(owner=request.user, upload_id=upload_id)
        return Response(UploadOutput(_present(session)).data, headers={"Upload-Offset": str(session.offset)})

    @extend_schema(
        operation_id="uploads_append",
        parameters=[UPLOAD_ID, UPLOAD_OFFSET, UNLOCK_HEADER],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: UploadOutput, 201: FileOutput, **errors(400, 401, 403, 404, 409, 411, 413, 415, 423, 503, 507)},
        description="Send the segment that starts at `Upload-Offset`: a whole number of parts "
        "(`part_size` bytes each), or the rest of the file. 200 with the new offset; for the last "
        "segment, 201 with the file. Another offset: 409 `upload_offset_mismatch` with the session's. "
        "Bytes other than the ones first sent for a part: 409 `upload_segment_changed`. A body "
        "that ends early stores nothing past the offset: send the segment again.",
    )
    def patch(self, request, upload_id):
        keys = require_vault_keys(request)  # 423 before a byte of the body is read
        offset = header_int(request.META, "Upload-Offset")
        if offset is None:
            raise InvalidHeader("Upload-Offset", "is required: the offset the segment starts at.")
        length = content_length(request._request)
        appended = services.upload_append(owner=request.user, keys=keys, upload_id=upload_id, offset=offset,
                                          length=length, read=_body_reader(request._request), request=request)
        if appended.file is None:
            return Response(UploadOutput(_present(appended.session)).data,
                            headers={"Upload-Offset": str(appended.session.offset)})
        file = appended.file
        body = FileOutput(present_file(DescribedFile(file=file, filename=appended.filename))).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": f"/api/v1/files/{file.pk}/"})

    @extend_schema(
        operation_id="uploads_destroy",
        parameters=[UPLOAD_ID],
        responses={204: None, **errors(401, 403, 404)},
        description="Cancel a resumable upload: the session and its stored parts go.",
    )
    def delete(self, request, upload_id):
        services.upload_cancel(owner=request.user, upload_id=upload_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
