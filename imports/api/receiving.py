"""Taking an import source off the wire (multipart: `source`, and `passphrase` for a
Coffer export) without a plaintext byte touching disk: each piece of the `source`
part goes to the job's SourceWriter, which encrypts it into the blob store."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from rest_framework.exceptions import NotAuthenticated

from files.api.receiving import FORM_OVERHEAD_BYTES, READ_BYTES, content_length, is_multipart
from imports.errors import ImportRefused
from imports.services import NewImport, import_receive
from imports.source import SourceTooLarge

SOURCE_FIELD = "source"


class SourceReceiver:
    def __init__(self, request) -> None:
        self.request = request
        self.incoming: NewImport | None = None
        self.complete = False
        self.interrupted = False
        if is_multipart(request):
            request.upload_handlers = [SourceUploadHandler(self)]

    def start(self) -> NewImport:
        if not self.request.user.is_authenticated:
            raise NotAuthenticated()
        if self.incoming is not None:
            raise ImportRefused("invalid_upload", "Send one source file per request.", field=SOURCE_FIELD)
        self.incoming = import_receive(owner=self.request.user)
        return self.incoming

    def received(self, request) -> tuple[NewImport, str]:
        """The stored source and the passphrase field (DRF's request parses the form)."""
        if not is_multipart(self.request):
            raise ImportRefused("invalid_upload", f"Send a multipart form with the file in '{SOURCE_FIELD}'.",
                                status=415)
        content_length(self.request)
        fields, files = request.POST, request.FILES
        if self.interrupted or (self.incoming is not None and not self.complete):
            raise ImportRefused("upload_incomplete", "The upload ended before the whole file arrived.")
        if self.incoming is None or SOURCE_FIELD not in files:
            raise ImportRefused("invalid_upload", f"Send the file in the form field '{SOURCE_FIELD}'.",
                                field=SOURCE_FIELD)
        passphrase = fields.get("passphrase") or ""
        if len(passphrase) > 1024:
            raise ImportRefused("invalid_passphrase", "A passphrase is at most 1024 characters.", field="passphrase")
        self.incoming.passphrase = passphrase
        self.incoming.material.passphrase = passphrase
        return self.incoming, passphrase

    def discard(self) -> None:
        """Leave nothing behind unless a job now names the stored source."""
        if self.incoming is not None and not getattr(self, "kept", False):
            self.incoming.writer.discard()

    def keep(self) -> None:
        self.kept = True


class SourceUploadHandler(FileUploadHandler):
    chunk_size = READ_BYTES

    def __init__(self, receiver: SourceReceiver) -> None:
        super().__init__(receiver.request)
        self.receiver = receiver

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.COFFER_IMPORT_MAX_SOURCE_BYTES + FORM_OVERHEAD_BYTES:
            raise SourceTooLarge(settings.COFFER_IMPORT_MAX_SOURCE_BYTES)
        return None

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        if field_name != SOURCE_FIELD:
            raise ImportRefused("invalid_upload", f"Send the file in the form field '{SOURCE_FIELD}'.",
                                field=field_name)
        self.receiver.start()

    def receive_data_chunk(self, raw_data, start):
        self.receiver.incoming.writer.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.receiver.incoming.writer.finish()
        self.receiver.complete = True
        return self.receiver.incoming

    def upload_interrupted(self):
        self.receiver.interrupted = True
        self.receiver.discard()
