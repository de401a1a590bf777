"""The crypto calls for files, one small function each, so rotation can reuse them.

    wrapped_dek     = wrap_key(VK[vault_key_version], DEK,
                               Context("dek/file", user_id, file_id, vault_key_version))
    blob            = STREAM(DEK, Context("file", user_id, file_id, dek_version).encode())
    sealed_filename = aead.seal(DEK, UTF-8 filename,
                                Context("file/name", user_id, file_id, dek_version))

Every failure to open raises vault.crypto.IntegrityError and nothing else.
docs/format-stream.md ("File records") specifies the columns.
"""

from __future__ import annotations

from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import new_key
from vault.crypto.session import VaultKeys
from vault.crypto.wrap import unwrap_key, wrap_key

DEK_PURPOSE = "dek/file"
STREAM_PURPOSE = "file"
FILENAME_PURPOSE = "file/name"


def new_dek() -> bytes:
    return new_key()


def dek_context(*, user_id: int, file_id: str, vault_key_version: int) -> Context:
    return Context(DEK_PURPOSE, str(user_id), str(file_id), vault_key_version)


def stream_context(*, user_id: int, file_id: str, dek_version: int) -> bytes:
    return Context(STREAM_PURPOSE, str(user_id), str(file_id), dek_version).encode()


def filename_context(*, user_id: int, file_id: str, dek_version: int) -> Context:
    return Context(FILENAME_PURPOSE, str(user_id), str(file_id), dek_version)


def wrap_dek(*, vault_key: bytes, dek: bytes, user_id: int, file_id: str, vault_key_version: int) -> bytes:
    context = dek_context(user_id=user_id, file_id=file_id, vault_key_version=vault_key_version)
    return wrap_key(vault_key, dek, context)


def unwrap_dek(*, keys: VaultKeys, wrapped_dek: bytes, user_id: int, file_id: str, vault_key_version: int) -> bytes:
    """Old vault key versions stay readable until rotation finishes."""
    context = dek_context(user_id=user_id, file_id=file_id, vault_key_version=vault_key_version)
    return unwrap_key(keys.key(vault_key_version), bytes(wrapped_dek), context)


def seal_filename(*, dek: bytes, filename: str, user_id: int, file_id: str, dek_version: int) -> bytes:
    context = filename_context(user_id=user_id, file_id=file_id, dek_version=dek_version)
    return aead.seal(dek, filename.encode("utf-8"), context)


def open_filename(*, dek: bytes, sealed: bytes, user_id: int, file_id: str, dek_version: int) -> str:
    context = filename_context(user_id=user_id, file_id=file_id, dek_version=dek_version)
    raw = aead.open_(dek, bytes(sealed), context)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError() from None
