"""The refusals file services raise. The API handler renders each as {code, detail}."""

from __future__ import annotations

from coffer.errors import DomainError


class FileNotFound(DomainError):
    def __init__(self):
        super().__init__("not_found", "Not found.", status=404)


class FileTooLarge(DomainError):
    def __init__(self, *, limit: int):
        super().__init__(
            "file_too_large",
            f"A file may hold at most {limit} bytes.",
            status=413,
            extra={"limit": limit},
        )


class QuotaExceeded(DomainError):
    def __init__(self, *, quota: int, used: int):
        super().__init__(
            "quota_exceeded",
            f"This file does not fit in your storage quota: {used} of {quota} bytes are in use. "
            "Delete some files first.",
            status=507,
            extra={"quota": quota, "used": used},
        )


class UnsupportedFileType(DomainError):
    def __init__(self, detail: str):
        super().__init__("unsupported_file_type", detail, status=415)


class UnsupportedContent(DomainError):
    """The bytes themselves are refused: empty, or not the start of an accepted type,
    or of another accepted type than the one declared."""

    def __init__(self, detail: str):
        super().__init__("unsupported_content", detail)


class LengthRequired(DomainError):
    def __init__(self):
        super().__init__(
            "length_required", "Send the upload with a Content-Length header.", status=411
        )


class UploadIncomplete(DomainError):
    """The body ended before its Content-Length: the client went away mid-upload."""

    def __init__(self):
        super().__init__("upload_incomplete", "The upload ended before all its bytes arrived.")


class InvalidUpload(DomainError):
    def __init__(self, detail: str, *, field: str):
        super().__init__("invalid", detail, field=field)


class RangeNotSatisfiable(DomainError):
    def __init__(self, *, size: int):
        super().__init__(
            "range_not_satisfiable",
            f"The requested range is outside the file, which holds {size} bytes.",
            status=416,
            headers={"Content-Range": f"bytes */{size}"},
        )


class StorageUnavailable(DomainError):
    def __init__(self):
        super().__init__(
            "storage_unavailable", "File storage is not available right now. Try again later.", status=503
        )


class ScanRoleNotAccepted(DomainError):
    def __init__(self, *, role: str, kind: str, accepted: tuple[str, ...]):
        listed = ", ".join(accepted) if accepted else "no scans"
        super().__init__(
            "scan_role_not_accepted",
            f"A {kind} record takes {listed}; not '{role}'.",
            field="role",
            extra={"accepted": list(accepted)},
        )


class ScanRoleTaken(DomainError):
    def __init__(self, *, role: str):
        super().__init__(
            "scan_role_taken",
            f"The record already has a {role} scan: replace it (PUT) or detach it first.",
            status=409,
        )


class ScanRoleFull(DomainError):
    def __init__(self, *, role: str, limit: int):
        super().__init__(
            "scan_role_full",
            f"A record holds at most {limit} {role} scans: detach one first.",
            status=409,
            extra={"limit": limit},
        )
