"""Generates tests/vectors/derive/*.json: every derivation Coffer makes, end to end.

    python tests/vectors/gen_derive_vectors.py [--out DIR]

PIN to KEK, the server-share wrap, recovery code to recovery key pair and the vault key
sealed to it, the unlock session (id, key, sealed payload and the whole cache entry),
the user's key pairs, a rotation job's sealed keys, a sealed filename, an empty record
payload, a file stream under the context files/ really builds, and the context encoding
itself. tests/vectors/README.md describes every kind and field.

The bytes come from Coffer's own functions (vault/crypto/, and records/, files/,
vault/keyring.py and vault/rotation/material.py where those build the contexts),
never from a second implementation, with two exceptions the README states: the
unlock-session cache entry is built here from its description in docs/format.md
(tests/vectors/test_derive_vectors.py checks vault/unlock.py writes the same text),
and a recovery wrap's sealed box takes its ephemeral key from a fixed seed (libsodium's
crypto_box_seal draws it at random and PyNaCl cannot be told otherwise), the box built
exactly as crypto_box_seal builds it, as fuzz/make_corpus.py does.

Deterministic: every group of cases draws from its own seeded RNG, every nonce is
drawn there and handed to Coffer's code (through its rng argument, or by patching
vault.crypto.aead.seal where a function takes none), so re-running gives the same
files, and adding a group changes no other file.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import struct
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from nacl.bindings import crypto_box, crypto_box_seed_keypair  # noqa: E402
from nacl.public import PrivateKey  # noqa: E402
from nacl.signing import SigningKey  # noqa: E402

from files import sealing as file_sealing  # noqa: E402
from records import sealing as record_sealing  # noqa: E402
from vault.crypto import aead  # noqa: E402
from vault.crypto.context import Context  # noqa: E402
from vault.crypto.hkdf import hkdf_sha256  # noqa: E402
from vault.crypto.kdf import PROFILES, KdfParams, derive_pin_key, normalize_pin  # noqa: E402
from vault.crypto.keys import (  # noqa: E402
    KEK_INFO,
    RECOVERY_INFO,
    derive_kek,
    new_recovery_code,
    new_unlock_secret,
    parse_recovery_code,
    recovery_private_key,
    unlock_session_id,
    unlock_session_key,
)
from vault.crypto.session import PURPOSE as SESSION_PURPOSE  # noqa: E402
from vault.crypto.session import VaultKeys, _encode, seal_session  # noqa: E402
from vault.crypto.stream import encrypt_stream  # noqa: E402
from vault.crypto.wrap import RECOVERY_VERSION, _binding, wrap_key  # noqa: E402
from vault.keyring import LocalKeyProvider, format_keyring  # noqa: E402
from vault.rotation import material  # noqa: E402

OUT = Path(__file__).resolve().parent / "derive"

# Purposes as vault/services.py names them (it needs Django, so not imported here;
# the test checks these against it).
SERVER_SHARE_PURPOSE = "server-share"
KEK_WRAP_PURPOSE = "vault-key/kek"
RECOVERY_WRAP_PURPOSE = "vault-key/recovery"
BOX_KEY_PURPOSE = "user-key/x25519"
SIGN_KEY_PURPOSE = "user-key/ed25519"

# The unlock-session cache entry (docs/format.md, "The cache entry").
CACHE_KEY_PREFIX = "coffer"  # KEY_PREFIX of coffer/settings/base.py
CACHE_VERSION = 1  # Django's default cache version
ENTRY_FORMAT = 1

Case = dict[str, object]
Rng = Callable[[int], bytes]


# --- helpers -----------------------------------------------------------------------


def _rng(group: str) -> Rng:
    return random.Random(f"coffer-derive/{group}").randbytes


def _once(value: bytes) -> Rng:
    """An rng that hands out `value` once, for a call that draws exactly one nonce."""
    handed = []

    def rng(size: int) -> bytes:
        if handed or size != len(value):
            raise AssertionError("unexpected draw from a fixed rng")
        handed.append(size)
        return value

    return rng


@contextmanager
def fixed_nonce(nonce: bytes) -> Iterator[None]:
    """Every aead.seal in the block uses `nonce`, for functions that take no rng."""
    original = aead.seal

    def seal(key, plaintext, context, *, rng=None):
        return original(key, plaintext, context, rng=_once(nonce))

    with mock.patch.object(aead, "seal", seal):
        yield


def _uuid(rng: Rng) -> str:
    return str(uuid.UUID(bytes=rng(16), version=4))


def _ok(name: str, kind: str, description: str, inputs: dict, expected: dict) -> Case:
    return {"name": name, "kind": kind, "description": description, "inputs": inputs, "expected": expected}


def _fail(name: str, kind: str, description: str, inputs: dict, error: str = "integrity") -> Case:
    return {"name": name, "kind": kind, "description": description, "inputs": inputs, "error": error}


def _ctx_fields(ctx: Context) -> dict:
    return {
        "purpose": ctx.purpose, "user_id": ctx.user_id, "item_id": ctx.item_id,
        "key_version": ctx.key_version, "extra": list(ctx.extra),
    }


def _keys_hex(keys: dict[int, bytes]) -> dict[str, str]:
    return {str(version): key.hex() for version, key in sorted(keys.items())}


# --- 10. the context encoding ---------------------------------------------------------


def context_cases() -> list[Case]:
    rng = _rng("context")
    record_id, file_id = _uuid(rng), _uuid(rng)
    user_pk = 42
    oks = [
        ("context_kek_ok", 'context("kek", "42"): the KEK\'s HKDF info, docs/format.md\'s example (27 bytes).',
         Context(KEK_INFO, str(user_pk))),
        ("context_split_1_23_ok",
         'Fields "1" and "23" (purpose "1", user id "23"): compare with context_split_12_3_ok.',
         Context("1", "23")),
        ("context_split_12_3_ok", 'Fields "12" and "3": the same characters as context_split_1_23_ok, other bytes.',
         Context("12", "3")),
        ("context_utf8_field_ok",
         "An item id with 2-, 3- and 4-byte UTF-8 characters: each length prefix counts bytes, not characters. "
         "(No real purpose holds non-ASCII; the encoding allows it.)",
         Context("test", str(user_pk), "Straße €5 \U0001f510", 7)),
        ("context_record_ok",
         "A record's context as records/sealing.py writes it: user id str(42), record id str(uuid.UUID) "
         "(lower-case, hyphenated), DEK version 1, extra = kind and decimal schema version.",
         record_sealing.record_context(user_id=str(user_pk), record_id=record_id, dek_version=1,
                                       kind="passport", schema_version=1)),
        ("context_dek_record_ok", "A record DEK's wrap context (records/sealing.py, dek_context): VK version 3.",
         record_sealing.dek_context(user_id=user_pk, record_id=record_id, vault_key_version=3)),
        ("context_file_name_ok", "A file's filename context (files/sealing.py, filename_context): DEK version 2.",
         file_sealing.filename_context(user_id=user_pk, file_id=file_id, dek_version=2)),
        ("context_session_ok", "An unlock session's context: key version = the unlock epoch (12), item id empty.",
         Context(SESSION_PURPOSE, str(user_pk), "", 12)),
    ]
    cases = [
        _ok(name, "context", description, _ctx_fields(ctx),
            {"fields": [ctx.purpose, ctx.user_id, ctx.item_id, str(ctx.key_version), *ctx.extra],
             "encoded": ctx.encode().hex()})
        for name, description, ctx in oks
    ]
    key = rng(32)
    sealed = aead.seal(key, b"sealed under (1, 23)", Context("1", "23"), rng=rng)
    cases.append(_fail(
        "context_split_sealed_1_23_opened_12_3", "context",
        'An AEAD blob sealed under context("1", "23") does not open under context("12", "3"): '
        "the length prefixes make the encoding injective.",
        {**_ctx_fields(Context("12", "3")), "key": key.hex(), "blob": sealed.hex()},
    ))
    cases.append(_fail(
        "context_field_too_long", "context",
        "An item id of 65536 bytes: a field longer than 65535 bytes is refused (Coffer raises ValueError).",
        _ctx_fields(Context("test", str(user_pk), "a" * 65536)), error="invalid",
    ))
    return cases


# --- 1. PIN to KEK -----------------------------------------------------------------


def _kek_vector(pin: str, salt: bytes, params: KdfParams, share: bytes, user_id: str, vk: bytes,
                vk_version: int, nonce: bytes) -> tuple[dict, dict]:
    pin_key = derive_pin_key(pin, salt, params)
    kek = derive_kek(pin_key, share, user_id)
    wrap_ctx = Context(KEK_WRAP_PURPOSE, user_id, "", vk_version)
    wrapped = wrap_key(kek, vk, wrap_ctx, rng=_once(nonce))
    inputs = {
        "pin": pin, "kdf_salt": salt.hex(), "kdf_params": params.to_dict(), "server_share": share.hex(),
        "user_id": user_id, "vk_version": vk_version, "wrapped_by_kek": wrapped.hex(),
    }
    expected = {
        "pin_bytes": normalize_pin(pin).hex(), "pin_key": pin_key.hex(),
        "hkdf_info": Context(KEK_INFO, user_id).encode().hex(), "kek": kek.hex(),
        "wrap_context": wrap_ctx.encode().hex(), "vault_key": vk.hex(),
    }
    return inputs, expected


def kek_cases() -> list[Case]:
    rng = _rng("kek")
    salt, share, vk, nonce = rng(16), rng(32), rng(32), rng(24)
    test = PROFILES["test"]
    inputs, expected = _kek_vector("482915", salt, test, share, "42", vk, 1, nonce)
    cases = [
        _ok("kek_test_profile_ok", "kek",
            "PIN 482915, the test profile (64 KiB, t=1): Argon2id, then HKDF with the server share to the KEK, "
            "which opens the vault key wrapped under it.", inputs, expected),
    ]
    wide_inputs, wide_expected = _kek_vector("４８２９１５", salt, test, share, "42", vk, 1, nonce)
    assert wide_expected == expected and wide_inputs["wrapped_by_kek"] == inputs["wrapped_by_kek"]
    cases.append(_ok(
        "kek_nfkc_fullwidth_digits_ok", "kek",
        "PIN 482915 typed in fullwidth digits (U+FF14 U+FF18 ...): NFKC makes them ASCII, so every output "
        "equals kek_test_profile_ok's.", wide_inputs, wide_expected))

    def failing(name: str, description: str, **changes) -> Case:
        return _fail(name, "kek", description, {**inputs, **changes})

    cases += [
        failing("kek_wrong_pin", "PIN 482916: another KEK, so the wrap of kek_test_profile_ok does not open.",
                pin="482916"),
        failing("kek_arabic_indic_digits", "PIN 482915 in Arabic-Indic digits (U+0664 ...): NFKC leaves them "
                "as they are, so they are another PIN.", pin="٤٨٢٩١٥"),
        failing("kek_other_user", "The same PIN, salt and share for user 43: the HKDF info names the user.",
                user_id="43"),
        failing("kek_other_server_share", "Another server share: the PIN alone does not give the KEK.",
                server_share=rng(32).hex()),
    ]
    moderate = PROFILES["moderate"]
    m_inputs, m_expected = _kek_vector("739164", rng(16), moderate, rng(32), "1337", rng(32), 2, rng(24))
    cases.append(_ok(
        "kek_moderate_profile_ok", "kek",
        "The production profile, moderate (64 MiB, t=3), user 1337, vault key version 2.", m_inputs, m_expected))
    return cases


# --- 2. the server-share wrap --------------------------------------------------------


def server_share_cases() -> list[Case]:
    rng = _rng("server-share")
    keys = {1: rng(32), 2: rng(32)}
    share, nonce, user_id = rng(32), rng(24), "42"
    with fixed_nonce(nonce):
        version, wrapped = LocalKeyProvider(keys).wrap(share, purpose=SERVER_SHARE_PURPOSE, subject=user_id)
    context = Context("server-wrap", user_id, SERVER_SHARE_PURPOSE, version)
    inputs = {
        "server_keys": _keys_hex(keys), "keyring_text": format_keyring(keys), "user_id": user_id,
        "server_key_version": version, "wrapped_server_share": wrapped.hex(),
    }
    return [
        _ok("server_share_wrap_ok", "server_share_wrap",
            "User 42's server share, wrapped under the current server key (version 2).",
            inputs, {"context": context.encode().hex(), "server_share": share.hex()}),
        _fail("server_share_wrap_wrong_server_key_version", "server_share_wrap",
              "Unwrapped with server key version 1 (the key and the context's version differ).",
              {**inputs, "server_key_version": 1}),
        _fail("server_share_wrap_retired_server_key_version", "server_share_wrap",
              "Server key version 3, which the keyring does not hold.", {**inputs, "server_key_version": 3}),
        _fail("server_share_wrap_other_user", "server_share_wrap",
              "User 42's wrapped share unwrapped as user 43's.", {**inputs, "user_id": "43"}),
    ]


# --- 3. recovery ---------------------------------------------------------------------


def recovery_code_cases() -> list[Case]:
    rng = _rng("recovery-code")
    while True:  # a code with a 0 and two 1s, to type as O, I and l
        code_bytes = rng(20)
        canonical = new_recovery_code(_once(code_bytes))
        if "0" in canonical and canonical.count("1") >= 2:
            break
    text = canonical.replace("-", "")
    # Letters the decoder reads as digits: O as 0, I and L as 1.
    substituted = canonical.replace("0", "O", 1).replace("1", "I", 1).replace("1", "l", 1)
    expected = {"code_bytes": code_bytes.hex(), "canonical": canonical}

    def ok(name: str, description: str, code: str) -> Case:
        assert parse_recovery_code(code) == code_bytes
        return _ok(name, "recovery_code", description, {"code": code}, expected)

    def invalid(name: str, description: str, code: str) -> Case:
        return _fail(name, "recovery_code", description, {"code": code}, error="invalid")

    return [
        ok("recovery_code_canonical_ok", "The code as Coffer shows it: 8 groups of 4, upper case, dashes.", canonical),
        ok("recovery_code_lower_case_ok", "In lower case.", canonical.lower()),
        ok("recovery_code_spaces_ok", "Spaces instead of dashes, and one at each end.",
           " " + canonical.replace("-", " ") + " "),
        ok("recovery_code_no_separators_ok", "No separators at all.", text),
        ok("recovery_code_mixed_separators_ok", "Dashes and spaces anywhere, in any number.",
           "--" + text[:5] + " - " + text[5:19] + "--" + text[19:]),
        ok("recovery_code_letters_for_digits_ok", "The first 0 typed as O, the first 1 as I and the next 1 as l.",
           substituted),
        invalid("recovery_code_with_u", "A U, which Crockford's base32 leaves out.", canonical[:-1] + "U"),
        invalid("recovery_code_too_short", "31 characters.", canonical[:-1]),
        invalid("recovery_code_too_long", "33 characters.", canonical + "0"),
        invalid("recovery_code_tab_separator", "A tab between two groups: only spaces and dashes are skipped.",
                canonical.replace("-", "\t", 1)),
        invalid("recovery_code_fullwidth_digit", "A fullwidth 0 (U+FF10): any non-ASCII character is invalid.",
                "０" + canonical[1:]),
        invalid("recovery_code_dotless_i", "A dotless i (U+0131), which str.upper() would make an I: non-ASCII, "
                "so invalid.", canonical.replace("1", "ı", 1)),
        invalid("recovery_code_empty", "No characters.", ""),
    ]


def _sealed_box(public_key: bytes, message: bytes, ephemeral_seed: bytes) -> bytes:
    """libsodium's crypto_box_seal, with the ephemeral key pair from a chosen seed."""
    ephemeral_public, ephemeral_secret = crypto_box_seed_keypair(ephemeral_seed)
    nonce = hashlib.blake2b(ephemeral_public + public_key, digest_size=24).digest()
    return ephemeral_public + crypto_box(message, nonce, public_key, ephemeral_secret)


def _recovery_wrap(public_key: bytes, vk: bytes, context: Context, ephemeral_seed: bytes) -> bytes:
    """vault.crypto.wrap.wrap_to_recovery, with the sealed box's ephemeral key fixed."""
    return bytes([RECOVERY_VERSION]) + _sealed_box(public_key, _binding(context) + vk, ephemeral_seed)


def recovery_cases() -> list[Case]:
    rng = _rng("recovery")
    code = new_recovery_code(rng)
    share, vk, user_id, version = rng(32), rng(32), "42", 1
    code_bytes = parse_recovery_code(code)
    info = Context(RECOVERY_INFO, user_id).encode()
    seed = hkdf_sha256(code_bytes + share, info=info)
    private_key = recovery_private_key(code, share, user_id)
    assert PrivateKey.from_seed(seed) == private_key
    public_key = bytes(private_key.public_key)
    context = Context(RECOVERY_WRAP_PURPOSE, user_id, "", version)
    ephemeral_seed = rng(32)
    wrapped = _recovery_wrap(public_key, vk, context, ephemeral_seed)
    inputs = {
        "recovery_code": code, "server_share": share.hex(), "user_id": user_id, "vk_version": version,
        "ephemeral_seed": ephemeral_seed.hex(), "wrapped_by_recovery": wrapped.hex(),
    }
    expected = {
        "code_bytes": code_bytes.hex(), "hkdf_info": info.hex(), "recovery_seed": seed.hex(),
        "recovery_secret_key": bytes(private_key).hex(), "recovery_public_key": public_key.hex(),
        "binding_input": (bytes([RECOVERY_VERSION]) + context.encode()).hex(), "binding": _binding(context).hex(),
        "ephemeral_public_key": wrapped[1:33].hex(), "vault_key": vk.hex(),
    }

    def other_binding(user: str, v: int, seed_: bytes) -> str:
        return _recovery_wrap(public_key, vk, Context(RECOVERY_WRAP_PURPOSE, user, "", v), seed_).hex()

    return [
        _ok("recovery_ok", "recovery",
            "Recovery code to code bytes, HKDF with the server share to the recovery seed, the X25519 key pair "
            "of that seed, and vault key version 1 sealed to its public key with its binding.", inputs, expected),
        _fail("recovery_binding_for_other_user", "recovery",
              "The box holds the binding of user 43 (same key pair, same vault key): it opens, the binding "
              "does not match user 42's.",
              {**inputs, "ephemeral_seed": (seed43 := rng(32)).hex(),
               "wrapped_by_recovery": other_binding("43", version, seed43)}),
        _fail("recovery_binding_for_other_version", "recovery",
              "The box holds the binding of vault key version 2, read as version 1.",
              {**inputs, "ephemeral_seed": (seed_v2 := rng(32)).hex(),
               "wrapped_by_recovery": other_binding(user_id, 2, seed_v2)}),
        _fail("recovery_wrong_code", "recovery",
              "Another well-formed code: another key pair, so the box does not open.",
              {**inputs, "recovery_code": new_recovery_code(rng)}),
        _fail("recovery_other_server_share", "recovery",
              "The right code with another server share: another key pair.",
              {**inputs, "server_share": rng(32).hex()}),
        _fail("recovery_invalid_code", "recovery", "A code with a U: refused before any derivation.",
              {**inputs, "recovery_code": code[:-1] + "U"}, error="invalid"),
    ]


# --- 4. unlock sessions ----------------------------------------------------------------


def cache_entry_text(blob: bytes, expires_at: float, idle_expires_at: float, key_set_version: int,
                     token_id: int | None) -> str:
    """The Redis value of a session, built from docs/format.md ("The cache entry")."""
    entry = {
        "blob": base64.b64encode(blob).decode("ascii"), "expires_at": expires_at, "format": ENTRY_FORMAT,
        "idle_expires_at": idle_expires_at, "key_set_version": key_set_version, "token_id": token_id,
    }
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def _secret_with_url_characters(rng: Rng) -> str:
    """A fresh unlock secret holding a '-' or an '_', the characters base64url changes."""
    while True:
        secret = new_unlock_secret(rng)
        if "-" in secret or "_" in secret:
            return secret


def _session_case(name: str, description: str, *, secret: str, user_id: str, epoch: int, keys: VaultKeys,
                  nonce: bytes, key_set_version: int, token_id: int | None, opened_at: float) -> Case:
    blob = seal_session(secret, user_id, epoch, keys, rng=_once(nonce))
    expires_at, idle_expires_at = opened_at + 1800, opened_at + 300  # the default TTLs: 30 min, 5 min
    session_id = unlock_session_id(secret)
    cache_key = f"unlock:{user_id}:{epoch}:{session_id}"
    inputs = {
        "unlock_secret": secret, "user_id": user_id, "epoch": epoch, "blob": blob.hex(),
        "key_set_version": key_set_version, "token_id": token_id,
        "expires_at": expires_at, "idle_expires_at": idle_expires_at,
    }
    expected = {
        "secret_bytes": base64.urlsafe_b64decode(secret + "=").hex(),
        "session_id_personalisation": b"coffer-sess-id".ljust(16, b"\0").hex(),
        "session_id": session_id,
        "session_key_personalisation": b"coffer-sess-key".ljust(16, b"\0").hex(),
        "session_key": unlock_session_key(secret).hex(),
        "context": Context(SESSION_PURPOSE, user_id, "", epoch).encode().hex(),
        "payload": _encode(keys).hex(),
        "kek": keys.kek.hex(),
        "vault_keys": _keys_hex(keys.vault_keys),
        "cache_key": cache_key,
        "redis_key": f"{CACHE_KEY_PREFIX}:{CACHE_VERSION}:{cache_key}",
        "cache_value": cache_entry_text(blob, expires_at, idle_expires_at, key_set_version, token_id),
    }
    return _ok(name, "unlock_session", description, inputs, expected)


def unlock_session_cases() -> list[Case]:
    rng = _rng("unlock-session")
    secret = _secret_with_url_characters(rng)
    one = VaultKeys(kek=rng(32), vault_keys={1: rng(32)})
    two = VaultKeys(kek=rng(32), vault_keys={2: rng(32), 3: rng(32)})
    browser = _session_case(
        "unlock_session_browser_ok",
        "A browser's session (token_id null) of user 42 at epoch 0, one vault key version, opened at "
        "2026-01-01T00:00:00.51Z.",
        secret=secret, user_id="42", epoch=0, keys=one, nonce=rng(24), key_set_version=0, token_id=None,
        opened_at=1767225600.51)
    token = _session_case(
        "unlock_session_token_ok",
        "A session opened with API token 17, user 1337 at epoch 3, vault key versions 2 and 3, key set "
        "version 5.",
        secret=new_unlock_secret(rng), user_id="1337", epoch=3, keys=two, nonce=rng(24), key_set_version=5,
        token_id=17, opened_at=1767229200.25)
    inputs = browser["inputs"]
    raw = base64.urlsafe_b64decode(secret + "=")
    # The last of 43 characters carries 2 unused bits: set one, and the text still decodes to the same bytes.
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    not_canonical = secret[:-1] + last[last.index(secret[-1]) + 1]
    assert base64.urlsafe_b64decode(not_canonical + "=") == raw

    def resealed(payload: bytes) -> str:
        """A blob sealed right (key, context, nonce) around a payload Coffer would not write."""
        context = Context(SESSION_PURPOSE, "42", "", 0)
        return aead.seal(unlock_session_key(secret), payload, context, rng=_once(rng(24))).hex()

    kek, (vk1,) = one.kek, one.vault_keys.values()
    descending = kek + struct.pack(">H", 2) + struct.pack(">I", 2) + vk1 + struct.pack(">I", 1) + vk1
    return [
        browser,
        token,
        _fail("unlock_session_wrong_epoch", "unlock_session",
              "The blob of unlock_session_browser_ok opened at epoch 1 (after a lock-all): the context differs.",
              {**inputs, "epoch": 1}),
        _fail("unlock_session_other_user", "unlock_session",
              "The blob of unlock_session_browser_ok opened as user 43's.", {**inputs, "user_id": "43"}),
        _fail("unlock_session_other_secret", "unlock_session",
              "Opened with another (canonical) unlock secret: another session key.",
              {**inputs, "unlock_secret": new_unlock_secret(rng)}),
        _fail("unlock_session_secret_padded", "unlock_session",
              "The secret with '=' padding: not the canonical text.",
              {**inputs, "unlock_secret": secret + "="}, error="invalid"),
        _fail("unlock_session_secret_standard_alphabet", "unlock_session",
              "The secret with '-' and '_' written as '+' and '/' (standard base64).",
              {**inputs, "unlock_secret": secret.replace("-", "+").replace("_", "/")}, error="invalid"),
        _fail("unlock_session_secret_unused_bits_set", "unlock_session",
              "The last character changed so an unused low bit is 1: it decodes to the same 32 bytes, but "
              "is not their canonical encoding.",
              {**inputs, "unlock_secret": not_canonical}, error="invalid"),
        _fail("unlock_session_secret_31_bytes", "unlock_session", "The encoding of 31 bytes (42 characters).",
              {**inputs, "unlock_secret": base64.urlsafe_b64encode(raw[:31]).rstrip(b"=").decode()},
              error="invalid"),
        _fail("unlock_session_payload_versions_descending", "unlock_session",
              "A blob sealed with the right key and context around a payload whose versions descend (2, 1).",
              {**inputs, "blob": resealed(descending)}),
        _fail("unlock_session_payload_count_zero", "unlock_session",
              "A blob sealed with the right key and context around a payload with count 0.",
              {**inputs, "blob": resealed(kek + struct.pack(">H", 0))}),
    ]


# --- 5. the user's key pairs -----------------------------------------------------------


def user_keys_cases() -> list[Case]:
    rng = _rng("user-keys")
    user_id, version, vk, box_seed, sign_seed = "42", 2, rng(32), rng(32), rng(32)
    box_ctx = Context(BOX_KEY_PURPOSE, user_id, "", version)
    sign_ctx = Context(SIGN_KEY_PURPOSE, user_id, "", version)
    wrapped_box = wrap_key(vk, box_seed, box_ctx, rng=_once(rng(24)))
    wrapped_sign = wrap_key(vk, sign_seed, sign_ctx, rng=_once(rng(24)))
    box_key = PrivateKey.from_seed(box_seed)
    inputs = {
        "user_id": user_id, "vk_version": version, "vault_key": vk.hex(),
        "wrapped_box_private_key": wrapped_box.hex(), "wrapped_sign_private_key": wrapped_sign.hex(),
    }
    expected = {
        "box_context": box_ctx.encode().hex(), "sign_context": sign_ctx.encode().hex(),
        "box_seed": box_seed.hex(), "sign_seed": sign_seed.hex(),
        "box_secret_key": bytes(box_key).hex(), "box_public_key": bytes(box_key.public_key).hex(),
        "sign_public_key": bytes(SigningKey(sign_seed).verify_key).hex(),
    }
    return [
        _ok("user_keys_ok", "user_keys",
            "User 42's X25519 and Ed25519 seeds wrapped under vault key version 2, and their public keys.",
            inputs, expected),
        _fail("user_keys_swapped", "user_keys",
              "The two wraps swapped: the X25519 seed's wrap read as the Ed25519 one and back.",
              {**inputs, "wrapped_box_private_key": wrapped_sign.hex(),
               "wrapped_sign_private_key": wrapped_box.hex()}),
        _fail("user_keys_other_vk_version", "user_keys",
              "Read as wrapped under vault key version 3 (with the same key bytes).", {**inputs, "vk_version": 3}),
        _fail("user_keys_other_user", "user_keys", "Read as user 43's.", {**inputs, "user_id": "43"}),
    ]


# --- 6. rotation job keys ----------------------------------------------------------------


def rotation_job_cases() -> list[Case]:
    rng = _rng("rotation-job")
    server_keys = {1: rng(32), 2: rng(32)}
    job_id = _uuid(rng)
    vault_keys = {1: rng(32), 2: rng(32)}
    provider = LocalKeyProvider(server_keys)
    with fixed_nonce(rng(24)), mock.patch.object(material, "get_key_provider", lambda: provider):
        version, sealed = material.seal_job_keys(job_id, vault_keys)
    inputs = {
        "server_keys": _keys_hex(server_keys), "keyring_text": format_keyring(server_keys),
        "server_key_version": version, "job_id": job_id, "sealed_keys": sealed.hex(),
    }
    expected = {
        "context": Context("server-wrap", job_id, material.PURPOSE, version).encode().hex(),
        "payload": material.encode_keys(vault_keys).hex(), "vault_keys": _keys_hex(vault_keys),
    }
    return [
        _ok("rotation_job_keys_ok", "rotation_job_keys",
            "Vault key versions 1 and 2 sealed for a rotation job under server key version 2; the job's UUID "
            "is the context's user id field.", inputs, expected),
        _fail("rotation_job_keys_other_job", "rotation_job_keys", "Opened as another job's keys.",
              {**inputs, "job_id": _uuid(rng)}),
        _fail("rotation_job_keys_job_id_upper_case", "rotation_job_keys",
              "The same job id in upper case: a context holds one form only (lower case).",
              {**inputs, "job_id": job_id.upper()}),
        _fail("rotation_job_keys_wrong_server_key_version", "rotation_job_keys",
              "Opened with server key version 1.", {**inputs, "server_key_version": 1}),
        _fail("rotation_job_keys_empty", "rotation_job_keys",
              "No sealed keys (a finished job's column is empty).", {**inputs, "sealed_keys": ""}),
    ]


# --- 7. the sealed filename --------------------------------------------------------------


def file_name_cases() -> list[Case]:
    rng = _rng("file-name")
    dek, user_pk, file_id, dek_version = rng(32), 42, _uuid(rng), 1
    filename = "Reisepass – Seite 2.pdf"
    with fixed_nonce(rng(24)):
        sealed = file_sealing.seal_filename(dek=dek, filename=filename, user_id=user_pk, file_id=file_id,
                                            dek_version=dek_version)
    context = file_sealing.filename_context(user_id=user_pk, file_id=file_id, dek_version=dek_version)
    inputs = {"dek": dek.hex(), "user_id": str(user_pk), "file_id": file_id, "dek_version": dek_version,
              "sealed_filename": sealed.hex()}
    expected = {"context": context.encode().hex(), "filename": filename, "filename_utf8": filename.encode().hex()}
    not_utf8 = aead.seal(dek, b"scan\xff.pdf", context, rng=_once(rng(24)))
    return [
        _ok("file_name_ok", "file_name", "A non-ASCII filename sealed under its file's DEK.", inputs, expected),
        _fail("file_name_other_file", "file_name", "Copied onto another file's row.",
              {**inputs, "file_id": _uuid(rng)}),
        _fail("file_name_other_dek_version", "file_name", "Read with DEK version 2 (as after a re-encryption).",
              {**inputs, "dek_version": 2}),
        _fail("file_name_not_utf8", "file_name",
              "Sealed right around bytes that are not UTF-8: it authenticates, and is still refused.",
              {**inputs, "sealed_filename": not_utf8.hex()}),
    ]


# --- 8. an empty record payload -------------------------------------------------------------


def record_payload_cases() -> list[Case]:
    rng = _rng("record-payload")
    dek, user_pk, record_id = rng(32), 42, _uuid(rng)
    where = {"user_id": user_pk, "record_id": record_id, "dek_version": 1, "kind": "passport", "schema_version": 1}
    payload = record_sealing.encode_payload(record_sealing.Payload(label="", data={}))

    def sealed(plaintext: bytes) -> str:
        with fixed_nonce(rng(24)):
            return record_sealing.seal_payload(dek=dek, payload=plaintext, **where).hex()

    context = record_sealing.record_context(
        user_id=str(user_pk), record_id=record_id, dek_version=1, kind="passport", schema_version=1)
    inputs = {"dek": dek.hex(), **where, "user_id": str(user_pk), "ciphertext": sealed(payload)}
    return [
        _ok("record_payload_empty_ok", "record_payload",
            'The smallest payload Coffer writes: an empty label and no data, {"data":{},"label":""}, under a '
            "UUID record id (core/record_empty_payload_ok.json is a zero-byte AEAD plaintext instead).",
            inputs, {"context": context.encode().hex(), "payload": payload.hex(), "label": "", "data": {}}),
        _fail("record_payload_zero_bytes", "record_payload",
              "Zero bytes sealed right: the AEAD opens, but it is not a payload.",
              {**inputs, "ciphertext": sealed(b"")}),
        _fail("record_payload_label_only", "record_payload",
              'Sealed right around {"label":""}: a payload needs both members.',
              {**inputs, "ciphertext": sealed(b'{"label":""}')}),
        _fail("record_payload_other_record", "record_payload", "Copied onto another record's row.",
              {**inputs, "record_id": _uuid(rng)}),
    ]


# --- 9. a file stream with its real context -------------------------------------------------


def file_stream_cases() -> list[Case]:
    rng = _rng("file-stream")
    dek, user_pk, file_id, dek_version = rng(32), 42, _uuid(rng), 1
    plaintext = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + rng(283)
    context = file_sealing.stream_context(user_id=user_pk, file_id=file_id, dek_version=dek_version)
    ciphertext = b"".join(encrypt_stream(dek, context, [plaintext], rng=_once(rng(16))))
    inputs = {"dek": dek.hex(), "user_id": str(user_pk), "file_id": file_id, "dek_version": dek_version,
              "ciphertext": ciphertext.hex()}
    return [
        _ok("real_context_ok", "file_stream",
            "A 300-byte file of user 42 under the stream context files/ builds: context(\"file\", \"42\", "
            "file id, DEK version 1).", inputs, {"context": context.hex(), "plaintext": plaintext.hex()}),
        _fail("real_context_other_dek_version", "file_stream",
              "Read with DEK version 2, the context a re-encryption's new object has: the header commitment fails.",
              {**inputs, "dek_version": 2}),
        _fail("real_context_other_user", "file_stream", "Read as user 43's file.", {**inputs, "user_id": "43"}),
    ]


# --- output --------------------------------------------------------------------------------


def all_cases() -> list[Case]:
    return (
        context_cases() + kek_cases() + server_share_cases() + recovery_code_cases() + recovery_cases()
        + unlock_session_cases() + user_keys_cases() + rotation_job_cases() + file_name_cases()
        + record_payload_cases() + file_stream_cases()
    )


def write(directory: Path = OUT) -> list[Path]:
    """Write every case into `directory`, replacing any vector files already there."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        stale.unlink()
    written = []
    for case in all_cases():
        path = directory / f"{case['name']}.json"
        assert not path.exists(), f"two cases named {case['name']}"
        path.write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    directory = parser.parse_args().out
    print(f"wrote {len(write(directory))} vectors to {directory}")


if __name__ == "__main__":
    main()
