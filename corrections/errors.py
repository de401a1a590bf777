"""The refusals corrections raise; the API renders each as {code, detail}."""

from __future__ import annotations

from coffer.errors import DomainError


class NotShared(DomainError):
    """A field or scan role the grant does not share with the app."""

    def __init__(self, *, field: str, what: str):
        super().__init__("not_shared", f"The grant does not share this {what} with your app.", status=400, field=field)


class TooManyCorrections(DomainError):
    def __init__(self, *, limit: int):
        super().__init__(
            "too_many_corrections",
            f"This grant already has {limit} open corrections; wait until the user deals with them.",
            status=409, extra={"limit": limit},
        )
