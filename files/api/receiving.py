"""Taking a file upload off the wire, without a plaintext byte touching disk.

Two shapes reach POST /api/v1/files/:

- multipart/form-data (browsers): Django's multipart parser feeds each piece of the
  `file` part to EncryptingUploadHandler, which is installed on the request before
  anything can read its body (a session's CSRF check reads request.POST early);
- a raw body (apps): the file's own Content-Type, X-Filename, optional X-Record,
  read from the request stream in 1 MiB pieces.

Either way the pieces go to a files.uploads.FileUpload, which sniffs, counts,
encrypts and streams them to the blob store. Django's default handlers, which
spool to memory or a temp file, never see the bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, UnreadablePostError
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import BaseParser

from coffer.inputs import MAX_ID, InvalidHeader, is_digits, saturating_int
from files import services
from files.errors import FileTooLarge, InvalidUpload, LengthRequired, UploadIncomplete
from files.naming import filename_from_header
from files.uploads import FileUpload, State
from vault.api.unlocking import require_vault_keys
from vault.crypto.session import VaultKeys

FILE_FIELD = "file"
RECORD_FIELD = "record"
READ_BYTES = 1024 * 1024
# Boundaries, part headers and the small fields around the file in a form body.
FORM_OVERHEAD_BYTES = 64 * 1024


def is_multipart(request: HttpRequest) -> bool:
    return request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data")


def content_length(request: HttpRequest) -> int:
    """The body's declared size. A chunked body has none, and Django would read it
    as empty: 411. No length and no Transfer-Encoding is an empty body (RFC 9112 §6.3)."""
    value = request.META.get("CONTENT_LENGTH", "")
    if is_digits(value):
        # Any length past the largest file is refused as too large, however many digits.
        return saturating_int(value, ceiling=MAX_ID)
    if value:
        raise InvalidHeader("Content-Length", "must be a whole number of bytes.")
    if request.META.get("HTTP_TRANSFER_ENCODING"):
        raise LengthRequired()
    return 0


class UploadReceiver:
    """Receives the one file of one request, for the view."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request  # Django's request: DRF's may still be authenticating
        self.upload: FileUpload | None = None
        self.keys: VaultKeys | None = None  # resolved once per request, by the view or by start()
        self.handler: EncryptingUploadHandler | None = None
        if is_multipart(request):
            self.handler = EncryptingUploadHandler(self)
            request.upload_handlers = [self.handler]

    def require_keys(self) -> VaultKeys:
        """The unlocked vault's keys (423 if locked), looked up once for the request:
        the view asks before the body is read, and the pipeline's start reuses them
        (file_create re-checks the key set under the vault lock anyway)."""
        if self.keys is None:
            self.keys = require_vault_keys(self.request)
        return self.keys

    def start(self, *, filename: str | None, declared_type: str | None, expected_size: int | None = None) -> FileUpload:
        """Checks that need no byte of the file, then the pipeline for it."""
        user = self.request.user
        if not user.is_authenticated:
            raise NotAuthenticated()
        if self.upload is not None:
            raise InvalidUpload("Send one file per request.", field=FILE_FIELD)
        self.upload = services.file_upload_start(
            owner=user, keys=self.require_keys(), filename=filename, declared_type=declared_type, expected_size=expected_size
        )
        return self.upload

    def check_form_length(self, length: int) -> None:
        if length > settings.COFFER_FILE_MAX_BYTES + FORM_OVERHEAD_BYTES:
            raise FileTooLarge(limit=settings.COFFER_FILE_MAX_BYTES)

    def receive_form(self, request) -> tuple[FileUpload, dict[str, str]]:
        """The stored upload and the form's other fields. `request` is DRF's: its
        parsers run the form through EncryptingUploadHandler (or already have, in
        a session's CSRF check)."""
        content_length(self.request)
        try:
            fields, files = request.POST, request.FILES
        except UnreadablePostError:
            raise UploadIncomplete() from None
        assert self.handler is not None
        if self.handler.interrupted or (self.upload is not None and self.upload.state is State.RECEIVING):
            raise UploadIncomplete()  # the body ended, or broke, inside the file
        if FILE_FIELD not in files or self.upload is None:
            raise InvalidUpload(f"Send the file in the form field '{FILE_FIELD}'.", field=FILE_FIELD)
        return self.upload, {key: fields.get(key) for key in fields}

    def receive_raw(self) -> FileUpload:
        length = content_length(self.request)
        upload = self.start(
            filename=filename_from_header(self.request.META.get("HTTP_X_FILENAME")),
            declared_type=self.request.META.get("CONTENT_TYPE"),
            expected_size=length,
        )
        remaining = length
        while remaining > 0:
            try:
                piece = self.request.read(min(READ_BYTES, remaining))
            except (UnreadablePostError, OSError):
                raise UploadIncomplete() from None
            if not piece:
                raise UploadIncomplete()  # the client went away before Content-Length bytes
            remaining -= len(piece)
            upload.write(piece)
        upload.finish()
        return upload

    def discard(self) -> None:
        """Leave nothing behind unless a row now names the blob."""
        if self.upload is not None:
            self.upload.discard()


class EncryptingUploadHandler(FileUploadHandler):
    """Hands each piece of the form's file to a FileUpload, and nothing to any other handler."""

    chunk_size = READ_BYTES

    def __init__(self, receiver: UploadReceiver) -> None:
        super().__init__(receiver.request)
        self.receiver = receiver
        self.interrupted = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.receiver.check_form_length(content_length)
        return None  # let Django parse the form

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        if field_name != FILE_FIELD:
            raise InvalidUpload(f"Send the file in the form field '{FILE_FIELD}'.", field=field_name)
        self.receiver.start(filename=file_name, declared_type=content_type)

    def receive_data_chunk(self, raw_data, start):
        self.receiver.upload.write(raw_data)
        return None

    def file_complete(self, file_size):
        upload = self.receiver.upload
        upload.finish()
        return upload

    def upload_interrupted(self):
        # The body ended inside the file part: the client went away.
        self.interrupted = True
        self.receiver.discard()


class UnreadBodyParser(BaseParser):
    """Takes any body but a form, and leaves it unread for the view to stream.

    A session's CSRF check asks DRF for request.POST, which runs a parser; without
    this one a raw upload would be refused as an unsupported media type there."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}
