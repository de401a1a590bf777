"""age v1 files in passphrase mode (C2SP age.md), streaming both ways.

Composed from PyNaCl (ChaCha20-Poly1305), hashlib.scrypt and HMAC-SHA256; no Django.
`format` parses and writes the header, `scrypt` the one recipient stanza Coffer
uses, `stream` the payload. Every failure is the one AgeError.

    age_encrypt_stream(passphrase, chunks) -> Iterator[bytes]
    age_decrypt_stream(passphrase, chunks) -> Iterator[bytes]

A decrypting caller gets plaintext as it authenticates: it must treat what it got
as incomplete until the iterator ends without AgeError.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator

from .errors import AgeError
from .format import Header, Stanza, header_encode, header_length, header_parse, header_verify
from .pieces import prepended
from .scrypt import DEFAULT_WORK_FACTOR, FILE_KEY_SIZE, MAX_WORK_FACTOR, scrypt_check, scrypt_stanza, scrypt_unwrap
from .stream import payload_decrypt, payload_encrypt

__all__ = [
    "AgeError", "Header", "Stanza", "age_decrypt_stream", "age_encrypt_stream", "age_header",
    "header_split", "new_file_key", "payload_decrypt", "payload_encrypt",
]


def new_file_key() -> bytes:
    return secrets.token_bytes(FILE_KEY_SIZE)


def age_header(passphrase: str, file_key: bytes, *, work_factor: int = DEFAULT_WORK_FACTOR) -> bytes:
    """A whole header with one scrypt stanza for `file_key`. The slow part (scrypt)."""
    return header_encode([scrypt_stanza(passphrase, file_key, work_factor=work_factor)], file_key)


def age_encrypt_stream(passphrase: str, chunks: Iterable[bytes], *,
                       work_factor: int = DEFAULT_WORK_FACTOR) -> Iterator[bytes]:
    file_key = new_file_key()
    yield age_header(passphrase, file_key, work_factor=work_factor)
    yield from payload_encrypt(file_key, chunks)


def header_split(chunks: Iterable[bytes]) -> tuple[Header, Iterator[bytes]]:
    """The parsed header, and the rest of the input (the payload) as an iterator."""
    source = iter(chunks)
    buffered = bytearray()
    for piece in source:
        buffered += piece
        end = header_length(bytes(buffered))
        if end is not None:
            break
    else:
        raise AgeError()
    header, parsed_end = header_parse(bytes(buffered[:end]))
    if parsed_end != end:
        raise AgeError()
    return header, prepended(bytes(buffered[end:]), source)


def age_decrypt_stream(passphrase: str, chunks: Iterable[bytes], *,
                       max_work_factor: int = MAX_WORK_FACTOR) -> Iterator[bytes]:
    """The plaintext of an age file with one scrypt stanza. Nothing is yielded before
    the header, the passphrase and the header MAC check out."""
    header, payload = header_split(chunks)
    found = scrypt_check(header.stanzas, max_work_factor=max_work_factor)
    if found is None:
        raise AgeError()
    file_key = scrypt_unwrap(passphrase, *found)
    header_verify(header, file_key)
    return payload_decrypt(file_key, payload)
