"""CXF 1.0 building blocks: editable fields, base64url ids, dates, countries, names.

CXF (FIDO Alliance Credential Exchange Format 1.0) wraps every value in an
EditableField: {"id"?, "fieldType", "value", "label"?, "extensions"?}. Countries
are ISO 3166-1 alpha-2; Coffer's documents carry alpha-3 (as printed in an MRZ).
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime, timezone
from typing import Any

from records.schemas.countries import ALPHA3_TO_ALPHA2

from .plan import SourceError

ALPHA2_TO_ALPHA3 = {alpha2: alpha3 for alpha3, alpha2 in ALPHA3_TO_ALPHA2.items()}

FIELD_TYPES = frozenset({
    "string", "concealed-string", "email", "number", "boolean", "date", "year-month",
    "wifi-network-security-type", "subdivision-code", "country-code",
})

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def field(field_type: str, value: str, *, label: str | None = None, id: str | None = None) -> dict[str, Any]:
    made: dict[str, Any] = {"fieldType": field_type, "value": value}
    if id is not None:
        made["id"] = id
    if label is not None:
        made["label"] = label
    return made


def value_of(credential: dict[str, Any], name: str, *, where: str) -> str | None:
    """The string value of one EditableField member, None when absent or empty."""
    member = credential.get(name)
    if member is None:
        return None
    if not isinstance(member, dict) or not isinstance(member.get("value"), str):
        raise SourceError("cxf_invalid", f"{where}: '{name}' is not a CXF editable field.")
    if member.get("fieldType") not in FIELD_TYPES:
        raise SourceError("cxf_invalid", f"{where}: '{name}' has an unknown fieldType.")
    return member["value"] or None


def unix_seconds(rfc3339: str | None) -> int | None:
    if not rfc3339:
        return None
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp())


def rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def alpha2(alpha3: str | None) -> str | None:
    return ALPHA3_TO_ALPHA2.get(alpha3) if alpha3 else None


def alpha3(code: str | None) -> str | None:
    """A country as Coffer holds it (alpha-3), from alpha-2 or alpha-3; None if unknown."""
    if not code:
        return None
    code = code.strip().upper()
    if code in ALPHA3_TO_ALPHA2:
        return code
    return ALPHA2_TO_ALPHA3.get(code)


def cxf_date(text: str | None) -> str | None:
    """A CXF date (RFC 3339 full-date, or a date-time whose date part is taken)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def year_month(text: str | None) -> tuple[int, int] | None:
    match = _YEAR_MONTH.fullmatch(text or "")
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    return int(match[1]), int(match[2])


def split_full_name(full_name: str) -> tuple[str, str]:
    """(given names, surname): CXF documents carry one full name, Coffer two parts.
    The last word is taken as the surname; the importer says so in the preview."""
    words = full_name.split()
    if len(words) < 2:
        return "", full_name.strip()
    return " ".join(words[:-1]), words[-1]


_SEXES = {"F": "F", "FEMALE": "F", "W": "F", "M": "M", "MALE": "M", "X": "X", "<": "X", "UNSPECIFIED": "X"}


def coffer_sex(text: str | None) -> str | None:
    return _SEXES.get((text or "").strip().upper())
