"""The one place that turns a client's digits into an int: query parameters,
headers, byte ranges and ids in URLs.

Python's int() takes any length up to 4,300 digits (then raises ValueError), also
reads '+5', ' 5', '5_000' and digits from other scripts, and a number that fits a
Python int may still overflow PostgreSQL's bigint. So nothing here calls int() on a
string it has not first checked to be 1 to 19 ASCII digits (as many as PostgreSQL's
bigint has; the bounds of each use do the rest):

- `query_int` bounds a query parameter, else 400 `invalid`, naming the parameter
  under `fields`, as a serializer does;
- `header_int` bounds a numeric header, else 400 `invalid_header`;
- `saturating_int` reads digits where any large number means the same (a byte
  position past every file), capping it instead of refusing it;
- `BoundedIdConverter` is the `<id:...>` URL converter: an id outside 1..MAX_ID
  matches no route, so it answers 404 like any other id that names nothing;
- `ContentLengthMiddleware` refuses a Content-Length that is not canonical digits
  before anything reads it: Django's own int() of it (HttpRequest.body) takes
  ' 5' and '5_0', and raises ValueError, a 500, on 5,000 digits.
"""

from __future__ import annotations

import re

from django.http import HttpResponse, JsonResponse
from django.urls import register_converter

from coffer.errors import DomainError

MAX_DIGITS = 19
# The largest id a URL may carry: PostgreSQL's bigint.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class InvalidParameter(DomainError):
    def __init__(self, name: str, detail: str):
        super().__init__("invalid", "The request is not valid.", extra={"fields": {name: [detail]}})


class InvalidHeader(DomainError):
    def __init__(self, name: str, detail: str):
        super().__init__("invalid_header", f"The {name} header {detail}", extra={"header": name})


def is_digits(text: str) -> bool:
    """Whether text is one or more ASCII digits, and nothing else."""
    return _DIGITS.fullmatch(text) is not None


def saturating_int(digits: str, *, ceiling: int) -> int:
    """The value of a string of ASCII digits, or `ceiling` if it is larger."""
    if not is_digits(digits):
        raise ValueError("not a string of ASCII digits")
    significant = digits.lstrip("0") or "0"
    if len(significant) > MAX_DIGITS:
        return ceiling
    return min(int(significant), ceiling)


def bounded_int(text: str, *, minimum: int, maximum: int) -> int | None:
    """The integer text spells in canonical decimal within minimum..maximum, else None.

    Canonical: ASCII digits with an optional leading '-', no sign '+', no spaces,
    no underscores, no leading zeros.
    """
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    if not is_digits(digits) or len(digits) > MAX_DIGITS or (digits[0] == "0" and (len(digits) > 1 or negative)):
        return None
    value = -int(digits) if negative else int(digits)
    return value if minimum <= value <= maximum else None


def query_int(params, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """A query parameter's integer, `default` when absent, else 400 `invalid`."""
    text = params.get(name)
    if text is None:
        return default
    value = bounded_int(text, minimum=minimum, maximum=maximum)
    if value is None:
        raise InvalidParameter(name, f"Must be a whole number from {minimum} to {maximum}.")
    return value


def header_int(meta, name: str, *, maximum: int = MAX_ID) -> int | None:
    """A numeric header's value (None when absent), else 400 `invalid_header`.

    Values above `maximum` are refused; callers with a size limit of their own pass
    a `maximum` above it, or check the limit first with `saturating_int`.
    """
    key = name.upper().replace("-", "_")
    text = meta.get(key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{key}")
    if text is None:
        return None
    value = bounded_int(text, minimum=0, maximum=maximum)
    if value is None:
        raise InvalidHeader(name, f"must be a whole number from 0 to {maximum}.")
    return value


class BoundedIdConverter:
    """`<id:name>`: a positive integer id that fits a bigint, else no match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        parsed = bounded_int(value, minimum=1, maximum=MAX_ID)
        if parsed is None:
            raise ValueError("not an id")
        return parsed

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(BoundedIdConverter, "id")


class ContentLengthMiddleware:
    """400 `invalid_header` for a Content-Length that is not 1 to 19 ASCII digits;
    413 `payload_too_large` for more digits than that (no body is that large)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH")
        if declared and not (is_digits(declared) and len(declared) <= MAX_DIGITS):
            if is_digits(declared) and len(declared.lstrip("0")) > MAX_DIGITS:
                return _refusal(request, 413, "payload_too_large", "The request body is too large.")
            return _refusal(request, 400, "invalid_header", "The Content-Length header must be a number of bytes.")
        return self.get_response(request)


# Paths whose errors are JSON: Coffer's API and allauth's headless API.
JSON_PATH_PREFIXES = ("/api/", "/_allauth/")


def wants_json(request) -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES)


def _refusal(request, status: int, code: str, detail: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"code": code, "detail": detail}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")
