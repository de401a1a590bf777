"""Limits on what one request may cost: its body's size and JSON depth, and how often.

Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only for the form bodies it parses
itself. DRF's JSONParser reads the raw stream, so without LimitedJSONParser a JSON
body had no size limit at all, and a body of a few thousand '[' raised
RecursionError from the json module: a 500.

`throttled(scope)` gives a plain Django view (the web log-in form) the same DRF
rate scope, and so the same counter, as the API views of that scope.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpResponse
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.utils import json

from coffer.inputs import is_digits, saturating_int


class PayloadTooLarge(APIException):
    status_code = 413
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body may be at most {limit} bytes.")


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser, reading at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes.

    A declared Content-Length over the limit is refused before anything is read;
    a body that runs past it (a lying or missing length) after limit + 1 bytes.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = body_limit()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if is_digits(declared) and saturating_int(declared, ceiling=limit + 1) > limit:
            raise too_large(limit)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large(limit)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def throttled(scope: str):
    """Refuse POSTs to a Django view past the rate of a DRF throttle scope, with 429."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                throttle = ScopedRateThrottle()
                if not throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
                    wait = int(throttle.wait() or 0) + 1
                    response = HttpResponse(
                        f"Too many attempts. Try again in {wait} seconds.", status=429, content_type="text/plain"
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
