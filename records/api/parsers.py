"""A strict, size-capped JSON parser for record bodies.

It reads at most COFFER_RECORD_MAX_BYTES + 1 bytes, so an oversized body costs
no more than the limit before it is refused with 413. Duplicate keys and
NaN/Infinity are refused too: what the client meant must be unambiguous.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from coffer.inputs import is_digits, saturating_int
from records.errors import PayloadTooLarge


def _no_duplicate_keys(pairs):
    document = {}
    for key, value in pairs:
        if key in document:
            raise ValueError("duplicate key in object")
        document[key] = value
    return document


def _no_constants(name):
    raise ValueError("NaN and Infinity are not JSON")


class RecordJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.COFFER_RECORD_MAX_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        if is_digits(declared) and saturating_int(declared, ceiling=limit + 1) > limit:
            raise PayloadTooLarge(limit=limit)
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(limit=limit)
        try:
            return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
        except UnicodeDecodeError:
            raise ParseError("The body must be UTF-8.") from None
        except RecursionError:
            raise ParseError("The body is nested too deeply.") from None
        except ValueError as exc:
            # json's messages give a position, never the content.
            raise ParseError(f"The body is not valid JSON: {exc}") from None
