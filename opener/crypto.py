"""Every derivation and seal the opener needs, as docs/format.md writes them (section
numbers below are that document's). Composed from PyNaCl, argon2-cffi, hashlib and hmac.
Every failure to parse, authenticate or decrypt raises the one IntegrityError."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import struct
import unicodedata
from collections.abc import Mapping
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_box_seal_open,
    crypto_box_seed_keypair,
)
from nacl.exceptions import CryptoError

from opener import IntegrityError, OpenerError

KEY_SIZE = 32
BLOB_VERSION = 1
KEY_WRAP_SIZE = 1 + 24 + KEY_SIZE + 16
RECOVERY_WRAP_SIZE = 1 + 32 + 16 + 32 + KEY_SIZE
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# ---- §2 the context, §3 the AEAD blob, §12 HKDF ----

def context(purpose: str, user_id: str, item_id: str = "", key_version: int = 0, *extra: str) -> bytes:
    fields = [purpose, user_id, item_id, str(key_version), *extra]
    encoded = bytearray(b"coffer/ad/v1")
    encoded.append(len(fields))
    for field in fields:
        try:
            raw = field.encode("utf-8")
        except UnicodeEncodeError:
            raise IntegrityError() from None
        if len(raw) > 0xFFFF:
            raise IntegrityError()
        encoded += struct.pack(">H", len(raw)) + raw
    return bytes(encoded)


def open_blob(key: bytes, blob: bytes, ctx: bytes) -> bytes:
    if len(blob) < 41 or blob[0] != BLOB_VERSION:
        raise IntegrityError()
    try:
        return crypto_aead_xchacha20poly1305_ietf_decrypt(blob[25:], blob[:1] + ctx, blob[1:25], key)
    except CryptoError:
        raise IntegrityError() from None


def open_key_wrap(key: bytes, wrap: bytes, ctx: bytes) -> bytes:
    if len(wrap) != KEY_WRAP_SIZE:
        raise IntegrityError()
    return open_blob(key, wrap, ctx)


def hkdf_sha256(ikm: bytes, info: bytes) -> bytes:
    """RFC 5869 with a zero-length salt and L = 32: one block."""
    prk = hmac.new(bytes(32), ikm, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


# ---- §6 the server keyring ----

def parse_keyring(text: str) -> dict[int, bytes]:
    """The keyring text's grammar, step by step. Refusals name the step, never a key."""
    keys: dict[int, bytes] = {}
    for piece in text.strip().replace("\n", ",").split(","):
        piece = piece.strip()
        if not piece:
            continue
        version_text, colon, key_text = piece.partition(":")
        if not colon:
            raise OpenerError("the server keyring has an entry without 'version:key'")
        try:
            version = int(version_text)
        except ValueError:
            raise OpenerError("the server keyring has a version that is not a number") from None
        if version < 1 or version in keys:
            raise OpenerError(f"the server keyring has version {version} twice, or below 1")
        if len(key_text) != 44 or not key_text.endswith("="):
            raise OpenerError(f"the server keyring's key {version} is not 44 characters of base64")
        try:
            key = base64.b64decode(key_text, validate=True)
        except binascii.Error:
            raise OpenerError(f"the server keyring's key {version} is not standard base64") from None
        if len(key) != KEY_SIZE:
            raise OpenerError(f"the server keyring's key {version} is not 32 bytes")
        keys[version] = key
    if not keys:
        raise OpenerError("the server keyring is empty")
    return keys


def server_share(keyring: Mapping[int, bytes], user_id: str, version: int, wrapped: bytes) -> bytes:
    if version not in keyring:
        raise IntegrityError()
    return open_key_wrap(keyring[version], wrapped, context("server-wrap", user_id, "server-share", version))


# ---- §4 the PIN and the KEK ----

def _kdf_integer(params: Mapping[str, Any], name: str, low: int) -> int:
    value = params.get(name)
    if type(value) is not int or not low <= value < 2**32:
        raise IntegrityError()
    return value


def kek_from_pin(pin: str, salt: bytes, kdf_params: Any, share: bytes, user_id: str) -> bytes:
    if not isinstance(kdf_params, dict) or len(salt) != 16:
        raise IntegrityError()
    parallelism = kdf_params.get("parallelism", 1)
    if kdf_params.get("algorithm", "argon2id13") != "argon2id13" or type(parallelism) is not int or parallelism != 1:
        raise IntegrityError()
    iterations = _kdf_integer(kdf_params, "iterations", 1)
    memory_kib = _kdf_integer(kdf_params, "memory_kib", 8)
    pin_key = hash_secret_raw(
        unicodedata.normalize("NFKC", pin).encode("utf-8"), salt,
        time_cost=iterations, memory_cost=memory_kib, parallelism=1, hash_len=KEY_SIZE,
        type=Type.ID, version=19,
    )
    return hkdf_sha256(pin_key + share, context("kek", user_id))


def open_vault_key_with_kek(kek: bytes, user_id: str, version: int, wrapped_by_kek: bytes) -> bytes:
    return open_key_wrap(kek, wrapped_by_kek, context("vault-key/kek", user_id, "", version))


# ---- §5 the recovery code ----

def parse_recovery_code(code: str) -> bytes:
    text = code.replace(" ", "").replace("-", "")
    if not text.isascii() or len(text) != 32:
        raise IntegrityError()
    text = text.upper().replace("O", "0").replace("I", "1").replace("L", "1")
    number = 0
    for char in text:
        digit = CROCKFORD.find(char)
        if digit < 0:
            raise IntegrityError()
        number = number << 5 | digit
    return number.to_bytes(20, "big")


def recovery_key_pair(code: str, share: bytes, user_id: str) -> tuple[bytes, bytes]:
    """(recovery_pk, recovery_sk): libsodium's crypto_box_seed_keypair of the seed."""
    seed = hkdf_sha256(parse_recovery_code(code) + share, context("recovery-key", user_id))
    return crypto_box_seed_keypair(seed)


def open_vault_key_with_recovery(key_pair: tuple[bytes, bytes], user_id: str, version: int, wrapped: bytes) -> bytes:
    if len(wrapped) != RECOVERY_WRAP_SIZE or wrapped[0] != BLOB_VERSION:
        raise IntegrityError()
    try:
        opened = crypto_box_seal_open(wrapped[1:], *key_pair)
    except CryptoError:
        raise IntegrityError() from None
    binding = hashlib.blake2b(b"\x01" + context("vault-key/recovery", user_id, "", version), digest_size=32).digest()
    if len(opened) != 64 or not hmac.compare_digest(opened[:32], binding):
        raise IntegrityError()
    return opened[32:]


# ---- §3 records, format-stream.md "File records" ----

def open_dek(vault_keys: Mapping[int, bytes], purpose: str, user_id: str, item_id: str, vk_version: int, wrapped: bytes) -> bytes:
    if vk_version not in vault_keys:
        raise IntegrityError()
    return open_key_wrap(vault_keys[vk_version], wrapped, context(purpose, user_id, item_id, vk_version))


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def open_record(dek: bytes, user_id: str, record_id: str, dek_version: int, kind: str, schema_version: int, ciphertext: bytes) -> dict[str, Any]:
    """The payload's `label` and `data`, read as "Reading the payload" says: UTF-8 without
    a byte order mark, JSON, exactly those two members. NaN, Infinity and lone surrogates
    are refused; duplicate names keep the last value, as Coffer reads them."""
    ctx = context("record", user_id, record_id, dek_version, kind, str(schema_version))
    payload = open_blob(dek, ciphertext, ctx)
    try:
        text = payload.decode("utf-8")
        if text.startswith("\ufeff"):
            raise ValueError("byte order mark")
        document = json.loads(text, parse_constant=_refuse_constant)
        json.dumps(document, ensure_ascii=False).encode("utf-8")  # a lone surrogate fails here
    except (ValueError, RecursionError):
        raise IntegrityError() from None
    if (not isinstance(document, dict) or set(document) != {"data", "label"}
            or not isinstance(document["data"], dict) or not isinstance(document["label"], str)):
        raise IntegrityError()
    return document


def open_filename(dek: bytes, user_id: str, file_id: str, dek_version: int, sealed_filename: bytes) -> str:
    name = open_blob(dek, sealed_filename, context("file/name", user_id, file_id, dek_version))
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError() from None
