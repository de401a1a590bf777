"""The age v1 header (C2SP age.md, "Header"): parsing and encoding, nothing else.

A header is the version line, one or more recipient stanzas and the MAC line:

    age-encryption.org/v1
    -> <type> <arg>...
    <body, base64 without padding, 64 columns a line, ending with a shorter line>
    --- <base64 HMAC-SHA256>

The parser is strict, as the spec asks: LF line ends only, canonical base64, every
argument non-empty and printable ASCII, at most MAX_HEADER_SIZE bytes. Anything else
is AgeError. The MAC is checked by the caller once it holds the file key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from vault.crypto.hkdf import hkdf_sha256

from .errors import AgeError

VERSION_LINE = b"age-encryption.org/v1"
STANZA_PREFIX = b"-> "
MAC_PREFIX = b"---"
COLUMNS = 64
MAC_SIZE = 32
# A header with one scrypt stanza is under 200 bytes; this bounds what a reader buffers.
MAX_HEADER_SIZE = 64 * 1024


@dataclass(frozen=True)
class Stanza:
    type: str
    args: tuple[str, ...]
    body: bytes


@dataclass(frozen=True)
class Header:
    stanzas: tuple[Stanza, ...]
    mac: bytes
    # The bytes the MAC covers: everything up to and including "---".
    mac_input: bytes


def b64_encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def b64_decode(text: str | bytes) -> bytes:
    """Canonical unpadded base64 only (RFC 4648 §3.5): no '=', no unused bits set."""
    raw = text.encode("ascii") if isinstance(text, str) else bytes(text)
    if b"=" in raw or len(raw) % 4 == 1:
        raise AgeError()
    try:
        data = base64.b64decode(raw + b"=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise AgeError() from None
    if b64_encode(data).encode("ascii") != raw:
        raise AgeError()
    return data


def _is_arg(word: bytes) -> bool:
    return bool(word) and all(0x21 <= c <= 0x7E for c in word)


def _stanza_bytes(stanza: Stanza) -> bytes:
    line = b" ".join([b"->", stanza.type.encode("ascii"), *(arg.encode("ascii") for arg in stanza.args)])
    body = b64_encode(stanza.body).encode("ascii")
    lines = [body[i : i + COLUMNS] for i in range(0, len(body), COLUMNS)]
    if not lines or len(lines[-1]) == COLUMNS:
        lines.append(b"")  # the body always ends with a line shorter than 64 columns
    return line + b"\n" + b"".join(part + b"\n" for part in lines)


def header_mac_key(file_key: bytes) -> bytes:
    return hkdf_sha256(file_key, salt=b"", info=b"header")


def header_encode(stanzas: list[Stanza] | tuple[Stanza, ...], file_key: bytes) -> bytes:
    """The whole header, MAC line included, for `file_key`."""
    if not stanzas:
        raise ValueError("a header needs at least one stanza")
    for stanza in stanzas:
        if not all(_is_arg(w.encode("ascii")) for w in (stanza.type, *stanza.args)):
            raise ValueError("stanza type and arguments must be non-empty printable ASCII")
    mac_input = VERSION_LINE + b"\n" + b"".join(_stanza_bytes(s) for s in stanzas) + MAC_PREFIX
    mac = hmac.new(header_mac_key(file_key), mac_input, hashlib.sha256).digest()
    return mac_input + b" " + b64_encode(mac).encode("ascii") + b"\n"


def header_verify(header: Header, file_key: bytes) -> None:
    expected = hmac.new(header_mac_key(file_key), header.mac_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, header.mac):
        raise AgeError()


def header_parse(data: bytes) -> tuple[Header, int]:
    """The header at the start of `data` and its length. AgeError if it is not a
    whole canonical header; callers pass at least as many bytes as the header has
    (see `header_length`)."""
    lines = _Lines(data)
    if lines.next() != VERSION_LINE:
        raise AgeError()
    stanzas: list[Stanza] = []
    while True:
        line = lines.next()
        if line.startswith(STANZA_PREFIX):
            stanzas.append(_stanza_parse(line, lines))
            continue
        if line.startswith(MAC_PREFIX + b" ") and stanzas:
            mac = b64_decode(line[len(MAC_PREFIX) + 1 :])
            if len(mac) != MAC_SIZE:
                raise AgeError()
            end = lines.offset
            mac_input = data[: end - len(line) - 1 + len(MAC_PREFIX)]
            return Header(stanzas=tuple(stanzas), mac=mac, mac_input=mac_input), end
        raise AgeError()


def header_length(data: bytes) -> int | None:
    """Where the header ends in `data` (the byte after the MAC line's LF), or None if
    `data` does not hold that much yet. AgeError past MAX_HEADER_SIZE."""
    start = 0
    while True:
        newline = data.find(b"\n", start)
        if newline < 0:
            if len(data) > MAX_HEADER_SIZE:
                raise AgeError()
            return None
        if data.startswith(MAC_PREFIX, start):
            if newline + 1 > MAX_HEADER_SIZE:
                raise AgeError()
            return newline + 1
        start = newline + 1


def _stanza_parse(line: bytes, lines: _Lines) -> Stanza:
    words = line[len(STANZA_PREFIX) :].split(b" ")
    if not all(_is_arg(word) for word in words):
        raise AgeError()
    body = bytearray()
    while True:
        chunk = lines.next()
        if len(chunk) > COLUMNS:
            raise AgeError()
        body += chunk
        if len(chunk) < COLUMNS:
            break
    return Stanza(type=words[0].decode("ascii"), args=tuple(w.decode("ascii") for w in words[1:]),
                  body=b64_decode(bytes(body)))


class _Lines:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def next(self) -> bytes:
        end = self.data.find(b"\n", self.offset)
        if end < 0:
            raise AgeError()
        line = self.data[self.offset : end]
        if b"\r" in line:
            raise AgeError()
        self.offset = end + 1
        return line
