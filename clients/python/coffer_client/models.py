"""What the user face returns: small frozen dataclasses over Coffer's JSON. Timestamps stay
ISO 8601 strings, as the API sends them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T")

# progress(done, total): bytes for transfers.
Progress = Callable[[int, int], None]


def from_json(cls: type[T], body: dict[str, Any]) -> T:
    """An instance from the API's JSON; members this version does not know are left out."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{key: value for key, value in body.items() if key in names})


@dataclass(frozen=True)
class UnlockSession:
    idle_expires_at: str
    expires_at: str


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    schema_version: int
    revision: int
    etag: str
    label: str | None
    data: dict[str, Any] | None
    expired: bool | None
    revealed: bool
    created_at: str
    updated_at: str
    integrity_error: bool = False


@dataclass(frozen=True)
class FileInfo:
    id: str
    filename: str | None
    content_type: str
    size: int
    record: str | None
    created_at: str
    integrity_error: bool = False
    role: str | None = None  # its scan role in its record (docs/records.md), if it has one


@dataclass(frozen=True)
class Rotation:
    id: str
    kind: str
    state: str
    target_version: int
    items_total: int
    items_done: int
    bytes_total: int
    bytes_done: int
    progress: float
    errors: list[dict[str, Any]]
    created_at: str
    finished_at: str | None

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True)
class Export:
    """An encrypted export of the whole vault (an age file, opened with `age -d` and its passphrase)."""

    id: str
    state: str
    filename: str
    items_total: int
    items_done: int
    bytes_total: int
    bytes_done: int
    progress: float
    size: int
    error: str
    download_url: str | None
    created_at: str
    finished_at: str | None
    expires_at: str | None

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True)
class Grant:
    """A grant as its user sees it: which app, which records and fields, until when."""

    id: str
    app: dict[str, Any]
    state: str
    items: list[dict[str, Any]]
    issued_at: str
    expires_at: str
    revoked_at: str | None
