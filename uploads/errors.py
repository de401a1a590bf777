"""The refusals of resumable uploads. The API handler renders each as {code, detail}."""

from __future__ import annotations

from coffer.errors import DomainError


class UploadNotFound(DomainError):
    def __init__(self):
        super().__init__("not_found", "Not found.", status=404)


class UploadOffsetMismatch(DomainError):
    def __init__(self, *, offset: int):
        super().__init__(
            "upload_offset_mismatch",
            f"The upload holds {offset} bytes: send the segment that starts there.",
            status=409,
            headers={"Upload-Offset": str(offset)},
            extra={"offset": offset},
        )


class UploadTooLong(DomainError):
    def __init__(self, *, size: int):
        super().__init__(
            "upload_too_long",
            f"The segment runs past the upload's declared size of {size} bytes.",
            status=413,
            extra={"limit": size},
        )


class UploadSegmentInvalid(DomainError):
    def __init__(self, *, part_size: int):
        super().__init__(
            "upload_segment_invalid",
            f"A segment other than the last must hold a whole number of parts of {part_size} bytes.",
            extra={"part_size": part_size},
        )


class UploadSegmentChanged(DomainError):
    def __init__(self):
        super().__init__(
            "upload_segment_changed",
            "These bytes differ from the ones first sent for the same part: the file changed. "
            "Cancel this upload and start a new one.",
            status=409,
        )
