from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scopes import FILES_READ, FILES_WRITE
from coffer.api.pagination import BoundedLimitOffsetPagination
from coffer.api.schema import errors
from files import selectors, services
from files.errors import FileNotFound
from files.naming import attachment_disposition
from files.presenting import present_file
from files.selectors import DescribedFile
from files.sniffing import ALLOWED
from records.schemas.base import SCAN_ROLES
from records.selectors import record_get
from vault.api.unlocking import require_vault_keys
from vault.api.views import UNLOCK_HEADER
from vault.services import VaultLocked

from .receiving import UnreadBodyParser, UploadReceiver, is_multipart
from .serializers import FileFormFields, FileListQuery, FileOutput, FileUploadForm

FILE_ID = OpenApiParameter("file_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
X_FILENAME = OpenApiParameter(
    "X-Filename", str, OpenApiParameter.HEADER, required=False,
    description="Raw uploads: the file's name, percent-encoded UTF-8. Required with a raw body.",
)
X_RECORD = OpenApiParameter(
    "X-Record", OpenApiTypes.UUID, OpenApiParameter.HEADER, required=False,
    description="Raw uploads: attach the file to this record of yours.",
)
RANGE = OpenApiParameter(
    "Range", str, OpenApiParameter.HEADER, required=False,
    description="One range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix`: answered with 206. "
    "Several ranges, or any other unit, are ignored (200).",
)
UPLOAD_BODY = {
    "multipart/form-data": FileUploadForm,
    **{content_type: OpenApiTypes.BINARY for content_type in (*ALLOWED, "application/octet-stream")},
}
CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _optional_vault_keys(request):
    try:
        return require_vault_keys(request)
    except VaultLocked:
        return None


def _listed(view: APIView, request, files) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(files, request, view=view)
    described = selectors.file_describe_many(files=page, keys=_optional_vault_keys(request), request=request)
    return paginator.get_paginated_response(FileOutput([present_file(item) for item in described], many=True).data)


def _created(request, file, upload) -> Response:
    body = FileOutput(present_file(DescribedFile(file=file, filename=upload.filename))).data
    return Response(body, status=status.HTTP_201_CREATED, headers={"Location": f"/api/v1/files/{file.pk}/"})


class ReceivesUpload(APIView):
    """A view whose uploading methods stream the body through an UploadReceiver."""

    upload_methods = ("POST",)
    parser_classes = [MultiPartParser, UnreadBodyParser]
    receiver: UploadReceiver | None = None

    def initialize_request(self, request, *args, **kwargs):
        drf_request = super().initialize_request(request, *args, **kwargs)
        if request.method in self.upload_methods:
            # Before authentication: a session's CSRF check may read the form.
            self.receiver = UploadReceiver(request)
        return drf_request

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self.receiver is not None:
                self.receiver.discard()


class FileListView(ReceivesUpload):
    required_scopes = {"GET": FILES_READ, "HEAD": FILES_READ, "POST": FILES_WRITE}
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="files_list",
        parameters=[UNLOCK_HEADER, OpenApiParameter("record", OpenApiTypes.UUID)],
        responses={200: FileOutput(many=True), **errors(400, 401, 403)},
        description="Metadata of your files, newest first. `filename` is null while the vault is locked.",
    )
    def get(self, request):
        query = _valid(FileListQuery, request.query_params)
        return _listed(self, request, selectors.file_list(owner=request.user, record_id=query.get("record")))

    @extend_schema(
        operation_id="files_create",
        parameters=[UNLOCK_HEADER, X_FILENAME, X_RECORD],
        request=UPLOAD_BODY,
        responses={201: FileOutput, **errors(400, 401, 403, 404, 411, 413, 415, 423, 503, 507)},
        description="Upload a file: a form with a `file` field (browsers), or the file as the whole "
        "body with its Content-Type and X-Filename (apps). It is encrypted as it streams in.\n\n"
        "Accepted types: PDF, JPEG, PNG, WebP, HEIC and TIFF, told by the file's first bytes; "
        "`application/octet-stream` lets the bytes decide. Another declared type: 415 "
        "`unsupported_file_type`. An empty file, or bytes that are not the declared type (or no "
        "accepted one): 400 `unsupported_content`. A body that ends before its Content-Length: "
        "400 `upload_incomplete`, and nothing is kept.",
    )
    def post(self, request):
        assert self.receiver is not None
        keys = self.receiver.require_keys()  # 423 before a byte of the body is read
        if is_multipart(request._request):
            upload, fields = self.receiver.receive_form(request)
            record_id = _valid(FileFormFields, fields).get("record")
        else:
            record_id = request.META.get("HTTP_X_RECORD") or None
            if record_id is not None:
                record_get(owner=request.user, record_id=record_id)  # 404 before the body
            upload = self.receiver.receive_raw()
        file = services.file_create(owner=request.user, keys=keys, upload=upload, record_id=record_id, request=request)
        return _created(request, file, upload)


class FileDetailView(APIView):
    required_scopes = {"GET": FILES_READ, "HEAD": FILES_READ, "DELETE": FILES_WRITE}

    @extend_schema(
        operation_id="files_retrieve",
        parameters=[FILE_ID, UNLOCK_HEADER],
        responses={200: FileOutput, **errors(401, 403, 404)},
        description="A file's metadata. `filename` is null while the vault is locked.",
    )
    def get(self, request, file_id: str):
        file = selectors.file_get(owner=request.user, file_id=file_id)
        described = selectors.file_describe(file=file, keys=_optional_vault_keys(request), request=request)
        return Response(FileOutput(present_file(described)).data)

    @extend_schema(
        operation_id="files_destroy",
        parameters=[FILE_ID, UNLOCK_HEADER],
        responses={204: None, **errors(401, 403, 404, 423)},
        description="Deletes the file: its row at once, its stored object right after.",
    )
    def delete(self, request, file_id: str):
        require_vault_keys(request)
        services.file_delete(owner=request.user, file_id=file_id, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FileContentView(APIView):
    required_scopes = {"GET": FILES_READ, "HEAD": FILES_READ}

    @extend_schema(
        operation_id="files_content",
        parameters=[FILE_ID, UNLOCK_HEADER, RANGE],
        responses={
            **{
                (code, content_type): OpenApiResponse(OpenApiTypes.BINARY)
                for code in (200, 206)
                for content_type in ALLOWED
            },
            **errors(401, 403, 404, 409, 416, 423),
        },
        description="The decrypted file, streamed. Supports one Range. A stored file that fails its "
        "integrity check answers 409, or, when the damage is found mid-stream, the response is aborted.",
    )
    def get(self, request, file_id: str):
        keys = require_vault_keys(request)
        # We send no validators, so an If-Range can never match: send the whole file.
        range_header = None if request.headers.get("If-Range") else request.headers.get("Range")
        download = services.file_download(
            owner=request.user, keys=keys, file_id=file_id, range_header=range_header, request=request
        )
        partial = download.byte_range is not None
        response = StreamingHttpResponse(
            download.body,
            status=status.HTTP_206_PARTIAL_CONTENT if partial else status.HTTP_200_OK,
            content_type=download.file.content_type,
        )
        response["Content-Length"] = str(download.length)
        if partial:
            response["Content-Range"] = download.byte_range.content_range(download.file.plaintext_size)
        response["Accept-Ranges"] = "bytes"
        response["Content-Disposition"] = attachment_disposition(download.filename)
        response["Cache-Control"] = "no-store"
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


# ---- a record's scans, by role ----

RECORD_ID = OpenApiParameter("record_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ROLE = OpenApiParameter(
    "role", str, OpenApiParameter.PATH, enum=list(SCAN_ROLES),
    description="The scan's role. Which roles a record takes depends on its kind: passports, ID cards and "
    "driving licences take all five; bank cards front, back and other; other kinds none.",
)


def _scan_upload_schema(operation_id: str, description: str):
    return extend_schema(
        operation_id=operation_id,
        parameters=[RECORD_ID, ROLE, UNLOCK_HEADER, X_FILENAME],
        request=UPLOAD_BODY,
        responses={201: FileOutput, **errors(400, 401, 403, 404, 409, 411, 413, 415, 423, 503, 507)},
        description=description,
    )


class RecordFileListView(APIView):
    required_scopes = {"GET": FILES_READ, "HEAD": FILES_READ}
    pagination_class = BoundedLimitOffsetPagination

    @extend_schema(
        operation_id="records_files_list",
        parameters=[RECORD_ID, UNLOCK_HEADER],
        responses={200: FileOutput(many=True), **errors(401, 403, 404)},
        description="The files attached to the record, each with its `role`, newest first.",
    )
    def get(self, request, record_id: str):
        record = record_get(owner=request.user, record_id=record_id)
        return _listed(self, request, selectors.file_list(owner=request.user, record_id=record.pk))


class RecordScanView(ReceivesUpload):
    """Uploads straight into a role of the record: the body as for POST /api/v1/files/."""

    required_scopes = {"POST": FILES_WRITE, "PUT": FILES_WRITE}
    upload_methods = ("POST", "PUT")

    def _attach(self, request, record_id: str, role: str, *, replace: bool) -> Response:
        assert self.receiver is not None
        keys = self.receiver.require_keys()  # 423 before a byte of the body is read
        record = record_get(owner=request.user, record_id=record_id)  # 404 before the body
        services.scan_role_check(record=record, role=role)  # 400 before the body
        if is_multipart(request._request):
            upload, _ = self.receiver.receive_form(request)
        else:
            upload = self.receiver.receive_raw()
        file = services.file_create(
            owner=request.user, keys=keys, upload=upload, record_id=record.pk, role=role, replace=replace,
            request=request,
        )
        return _created(request, file, upload)

    @_scan_upload_schema(
        "records_files_attach",
        "Uploads a scan into the role: a form with a `file` field, or the file as the whole body "
        "with its Content-Type and X-Filename, as for `POST /api/v1/files/`. A role the record's kind does not "
        "take: 400 `scan_role_not_accepted`, before the body is read. front, back and selfie hold one scan: "
        "a second is refused with 409 `scan_role_taken` (replace it with PUT); translation holds up to 10 "
        "and other up to 20 (409 `scan_role_full`). A refused upload leaves nothing stored.",
    )
    def post(self, request, record_id: str, role: str):
        return self._attach(request, record_id, role, replace=False)

    @_scan_upload_schema(
        "records_files_replace",
        "As POST, but the new scan takes the place of the role's one scan (front, back, selfie), "
        "in one transaction: the old file's row goes, and its stored object after it, as a deleted file's "
        "does. On translation and other, which hold several, PUT adds like POST. Two uploads into one role "
        "at once end one after the other: the later replaces the earlier.",
    )
    def put(self, request, record_id: str, role: str):
        return self._attach(request, record_id, role, replace=True)

    @extend_schema(exclude=True)
    def delete(self, request, record_id: str, role: str):
        """A DELETE whose file id is not a UUID lands here, by the URL's shape: no such file."""
        raise FileNotFound()


class RecordScanDetailView(APIView):
    required_scopes = {"DELETE": FILES_WRITE}

    @extend_schema(
        operation_id="records_files_detach",
        parameters=[RECORD_ID, FILE_ID, UNLOCK_HEADER],
        responses={204: None, **errors(401, 403, 404, 423)},
        description="Takes the file off the record. The file stays among your files, with no role; "
        "delete it with `DELETE /api/v1/files/{file_id}/`.",
    )
    def delete(self, request, record_id: str, file_id):
        require_vault_keys(request)
        services.scan_detach(owner=request.user, record_id=record_id, file_id=file_id, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
