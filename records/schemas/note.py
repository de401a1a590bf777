"""`note`: a free-form secure note."""

from __future__ import annotations

from .base import Kind, KindSerializer
from .fields import StrictCharField

SCHEMA_VERSION = 1


class NoteData(KindSerializer):
    title = StrictCharField(max_length=200)
    # Bounded by the record payload limit (COFFER_RECORD_MAX_BYTES), not here.
    text = StrictCharField(allow_blank=True, trim_whitespace=False)


KIND = Kind(
    name="note",
    schema_version=SCHEMA_VERSION,
    serializer=NoteData,
    # A secure note's text is its secret: it is shown only when revealed.
    fully_masked=frozenset({"text"}),
)
