"""Canonical JSON (docs/attestations.md §2): RFC 8785 restricted to integers. What Coffer
signs for grants and attestations is in this form; a verifier refuses anything else."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .errors import VerificationError

MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2**53 - 1


def _encode(value: Any, depth: int, out: list[str]) -> None:
    if depth > MAX_DEPTH:
        raise VerificationError(f"nesting deeper than {MAX_DEPTH} levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise VerificationError("integer out of range")
        out.append(str(int(value)))
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise VerificationError("malformed string") from None
        # ensure_ascii=False escapes exactly what §2 rule 3 lists, and nothing else.
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, depth + 1, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise VerificationError("object keys must be strings")
        out.append("{")
        for index, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))):
            if index:
                out.append(",")
            _encode(key, depth + 1, out)
            out.append(":")
            _encode(value[key], depth + 1, out)
        out.append("}")
    else:
        raise VerificationError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> bytes:
    out: list[str] = []
    _encode(value, 0, out)
    return "".join(out).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise VerificationError("duplicate key")
    return document


def _refuse_number(text: str) -> Any:
    raise VerificationError("non-integer number")


def parse_canonical(raw: bytes) -> Any:
    """Parses bytes that must already be canonical; anything else is refused."""
    try:
        value = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates,
            parse_float=_refuse_number, parse_constant=_refuse_number,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise VerificationError("not JSON") from None
    if canonical_json(value) != raw:
        raise VerificationError("not in canonical form")
    return value


def b64decode(text: Any, size: int | None = None) -> bytes:
    """Strict padded standard base64, optionally of exactly `size` bytes."""
    if not isinstance(text, str):
        raise VerificationError("expected base64 text")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise VerificationError("bad base64") from None
    if size is not None and len(raw) != size:
        raise VerificationError("wrong length")
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
