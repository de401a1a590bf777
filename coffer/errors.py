"""The one base class for business-rule refusals raised by services.

`code` is stable and machine-readable, `detail` is for people, `status` is the
HTTP status the API answers with. Views never build these answers by hand.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        detail: str,
        *,
        status: int | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(detail)
        self.code, self.detail, self.field = code, detail, field
        self.status = status or self.status
        self.headers = headers or {}
        self.extra = extra or {}
