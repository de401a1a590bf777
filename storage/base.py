"""The blob store interface: opaque keys in, opaque bytes out.

Only ciphertext crosses this interface, yet nothing here depends on that: a store
keeps bytes under random keys and knows nothing about who owns them or what they are.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

KEY_BYTES = 16
_KEY_PATTERN = re.compile(rf"[0-9a-f]{{{KEY_BYTES * 2}}}")


class BlobNotFound(Exception):
    """No blob is stored under the key."""


class MultipartGone(Exception):
    """The multipart upload was completed or aborted: it takes no more parts."""


class InvalidBlobKey(ValueError):
    """The key is not one that `new_key` could have made."""


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    modified: datetime  # tz-aware UTC


def new_blob_key() -> str:
    # Random and opaque: a key must never carry a user id, a name or a type, so
    # that a listing of the store reveals nothing but sizes and times.
    return secrets.token_hex(KEY_BYTES)


def is_blob_key(key: object) -> bool:
    return isinstance(key, str) and _KEY_PATTERN.fullmatch(key) is not None


def check_blob_key(key: str) -> str:
    # Strict on purpose: a key becomes a path on disk and an object name on S3,
    # so "../x", "a/b" or an uppercase twin must never reach either.
    if not is_blob_key(key):
        raise InvalidBlobKey("invalid blob key")
    return key


def check_range(start: int, length: int) -> None:
    if start < 0 or length < 0:
        raise ValueError("start and length must not be negative")


@runtime_checkable
class BlobStore(Protocol):
    def new_key(self) -> str:
        """A fresh random key; it carries no caller data."""
        ...

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Store the concatenated chunks under key and return their total size.

        Atomic: on any exception, including one raised by `chunks` itself, nothing
        is left behind and the exception propagates.
        """
        ...

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Exactly `length` bytes from `start`, fewer only where the blob ends."""
        ...

    def iter_range(
        self, key: str, start: int, length: int, block: int = 1 << 20
    ) -> Iterator[bytes]:
        """Like `read_range`, streamed in pieces of at most `block` bytes.

        Raises BlobNotFound when called, before any byte is yielded, so a caller
        can still answer 404 before it starts a streaming response.
        """
        ...

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; a missing key is not an error."""
        ...

    def list_blobs(self) -> Iterator[BlobInfo]:
        """Every stored blob, in no particular order, for the garbage collector."""
        ...

    def abort_stale_uploads(self, older_than: timedelta) -> int:
        """Clean up writes abandoned by a crash; return how many were removed."""
        ...

    # A multipart upload kept open across requests (uploads/: resumable uploads).
    # Parts are numbered from 1; putting a number again replaces that part. Nothing
    # is readable under `key` until `multipart_complete`.

    def multipart_start(self, key: str) -> str:
        """Open a multipart upload that will become `key`; return its id."""
        ...

    def multipart_put(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        """Store part `number` (replacing any earlier one); return the token that
        `multipart_complete` needs for it. MultipartGone if the upload is over."""
        ...

    def multipart_complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> int:
        """Join the parts, in the order given, into the blob `key`; return its size.
        MultipartGone if the upload is over."""
        ...

    def multipart_abort(self, key: str, upload_id: str) -> None:
        """Drop the upload and its parts; an upload already over is not an error."""
        ...
