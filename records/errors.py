"""The refusals record services raise. The API handler renders each as {code, detail}."""

from __future__ import annotations

from coffer.errors import DomainError


class RecordNotFound(DomainError):
    def __init__(self):
        super().__init__("not_found", "Not found.", status=404)


class PreconditionFailed(DomainError):
    """The record changed since the client read it: its If-Match is stale."""

    def __init__(self, *, etag: str):
        super().__init__(
            "precondition_failed",
            "The record has changed since you read it. Fetch it again, then retry with its new ETag.",
            status=412,
            headers={"ETag": etag},
        )


class PreconditionRequired(DomainError):
    def __init__(self):
        super().__init__(
            "precondition_required",
            "Send the record's ETag in an If-Match header, so that no other change is overwritten.",
            status=428,
        )


class PayloadTooLarge(DomainError):
    def __init__(self, *, limit: int):
        super().__init__(
            "payload_too_large",
            f"Too large: a record's request body, and its label and data, may be at most {limit} bytes.",
            status=413,
            extra={"limit": limit},
        )
