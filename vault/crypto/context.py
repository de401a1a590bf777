"""Associated data: the context every seal and wrap is bound to."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

AD_LABEL = b"coffer/ad/v1"


@dataclass(frozen=True)
class Context:
    """Where a blob belongs. A blob sealed for one context never opens in another.

    `purpose` names what is sealed ("record", "dek/file", ...), `user_id` whose it
    is, `item_id` which record or file, `key_version` the version of the wrapping
    key, and `extra` anything else the format binds (a record's kind and schema).
    """

    purpose: str
    user_id: str
    item_id: str = ""
    key_version: int = 0
    extra: tuple[str, ...] = field(default_factory=tuple)

    def encode(self) -> bytes:
        fields = [self.purpose, self.user_id, self.item_id, str(self.key_version), *self.extra]
        out = bytearray(AD_LABEL)
        out += struct.pack(">B", len(fields))
        for text in fields:
            raw = text.encode("utf-8")
            if len(raw) > 0xFFFF:
                raise ValueError("context field too long")
            out += struct.pack(">H", len(raw)) + raw
        return bytes(out)
