"""The derivation vectors (tests/vectors/derive/, tests/vectors/README.md), checked with Coffer's code.

Every success case is recomputed from its inputs with Coffer's own functions and must
give exactly its expected values; every blob is also sealed again with the nonce it
carries and must come out byte for byte the same. Every failure case must fail with
the one IntegrityError ("integrity"), or, for "invalid", at the parsing step: the same
IntegrityError for a recovery code or an unlock secret, ValueError for a context field.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache.backends.base import default_key_func
from nacl.public import PrivateKey, SealedBox

from coffer.cache import JSONSerializer
from files import sealing as file_sealing
from files import services as file_services
from files.models import File
from records import sealing as record_sealing
from tests.vectors import gen_derive_vectors as gen
from vault import services
from vault import unlock
from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.hkdf import hkdf_sha256
from vault.crypto.kdf import KdfParams, derive_pin_key, normalize_pin
from vault.crypto.keys import (
    KEK_INFO,
    RECOVERY_INFO,
    derive_kek,
    new_recovery_code,
    parse_recovery_code,
    recovery_private_key,
    unlock_session_id,
    unlock_session_key,
)
from vault.crypto.session import PURPOSE as SESSION_PURPOSE
from vault.crypto.session import open_session, seal_session
from vault.crypto.stream import decrypt_stream, encrypt_stream
from vault.crypto.wrap import _binding, unwrap_key, unwrap_with_recovery, wrap_key, wrap_to_recovery
from vault.keyring import SERVER_WRAP_PURPOSE, LocalKeyProvider, parse_keyring
from vault.models import Vault
from vault.rotation import material

VECTORS = sorted(gen.OUT.glob("*.json"))
H = bytes.fromhex

# Argon2id at 64 MiB once per run: the vector check and the generator share the result.
pin_key = functools.lru_cache(maxsize=None)(derive_pin_key)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def nonces(*values: bytes) -> Callable[[int], bytes]:
    pending = list(values)

    def rng(size: int) -> bytes:
        value = pending.pop(0)
        assert len(value) == size
        return value

    return rng


@contextmanager
def sealing_with(*values: bytes) -> Iterator[None]:
    """aead.seal takes these nonces in turn, for Coffer functions that take no rng."""
    original, rng = aead.seal, nonces(*values)
    def seal(key, plaintext, context, **_ignored):
        return original(key, plaintext, context, rng=rng)

    with mock.patch.object(aead, "seal", seal):
        yield


def nonce_of(blob: bytes) -> bytes:
    return blob[1:25]


def server_keys(inputs: dict) -> dict[int, bytes]:
    keys = parse_keyring(inputs["keyring_text"])
    assert keys == {int(v): H(k) for v, k in inputs["server_keys"].items()}
    return keys


def keys_hex(keys: dict[int, bytes]) -> dict[str, str]:
    return {str(v): k.hex() for v, k in sorted(keys.items())}


def user_pk(inputs: dict) -> int:
    """A user id in a context is the decimal form of an int, nothing else."""
    assert str(int(inputs["user_id"])) == inputs["user_id"]
    return int(inputs["user_id"])


def canonical_uuid(text: str) -> str:
    assert str(uuid.UUID(text)) == text
    return text


# --- one function per kind: Coffer's code from the inputs to the expected values --------


def check_context(i: dict) -> dict:
    ctx = Context(i["purpose"], i["user_id"], i["item_id"], i["key_version"], tuple(i["extra"]))
    encoded = ctx.encode()
    if "blob" in i:
        aead.open_(H(i["key"]), H(i["blob"]), ctx)
    return {"fields": [ctx.purpose, ctx.user_id, ctx.item_id, str(ctx.key_version), *ctx.extra],
            "encoded": encoded.hex()}


def check_kek(i: dict) -> dict:
    user, params = user_pk(i), KdfParams.from_dict(i["kdf_params"])
    salt, share, wrapped = H(i["kdf_salt"]), H(i["server_share"]), H(i["wrapped_by_kek"])
    key = pin_key(i["pin"], salt, params)
    kek = derive_kek(key, share, i["user_id"])
    if params.memory_kib <= 1024:  # the whole service path too, where it is cheap
        assert services._derive(i["pin"], salt, params, share, user) == kek
    context = services.kek_context(user, i["vk_version"])
    vault_key = unwrap_key(kek, wrapped, context)
    assert wrap_key(kek, vault_key, context, rng=nonces(nonce_of(wrapped))) == wrapped
    return {
        "pin_bytes": normalize_pin(i["pin"]).hex(), "pin_key": key.hex(),
        "hkdf_info": Context(KEK_INFO, i["user_id"]).encode().hex(), "kek": kek.hex(),
        "wrap_context": context.encode().hex(), "vault_key": vault_key.hex(),
    }


def check_server_share_wrap(i: dict) -> dict:
    provider = LocalKeyProvider(server_keys(i))
    version, wrapped = i["server_key_version"], H(i["wrapped_server_share"])
    vault = Vault(user_id=user_pk(i), server_key_version=version, wrapped_server_share=wrapped)
    with mock.patch.object(services, "get_key_provider", lambda: provider):
        share = services._server_share(vault)
    context = Context(SERVER_WRAP_PURPOSE, i["user_id"], services.SERVER_SHARE_PURPOSE, version)
    assert aead.open_(server_keys(i)[version], wrapped, context) == share
    with sealing_with(nonce_of(wrapped)):
        assert provider.wrap(share, purpose=services.SERVER_SHARE_PURPOSE, subject=i["user_id"]) == (version, wrapped)
    return {"context": context.encode().hex(), "server_share": share.hex()}


def check_recovery_code(i: dict) -> dict:
    code_bytes = parse_recovery_code(i["code"])
    return {"code_bytes": code_bytes.hex(), "canonical": new_recovery_code(nonces(code_bytes))}


def check_recovery(i: dict) -> dict:
    code, share, user, wrapped = i["recovery_code"], H(i["server_share"]), user_pk(i), H(i["wrapped_by_recovery"])
    code_bytes = parse_recovery_code(code)
    info = Context(RECOVERY_INFO, i["user_id"]).encode()
    seed = hkdf_sha256(code_bytes + share, info=info)
    private_key = recovery_private_key(code, share, i["user_id"])
    assert PrivateKey.from_seed(seed) == private_key  # the seed is the one Coffer's function uses
    assert bytes(private_key) == hashlib.sha512(seed).digest()[:32]
    context = services.recovery_context(user, i["vk_version"])
    vault_key = unwrap_with_recovery(private_key, wrapped, context)
    public_key = bytes(private_key.public_key)
    binding = _binding(context)
    assert binding == hashlib.blake2b(b"\x01" + context.encode(), digest_size=32).digest()
    assert SealedBox(private_key).decrypt(wrapped[1:]) == binding + vault_key
    # Coffer's own wrap (a random ephemeral key) has the same form and opens the same way.
    fresh = wrap_to_recovery(public_key, vault_key, context)
    assert len(fresh) == len(wrapped) and fresh[0] == wrapped[0]
    assert unwrap_with_recovery(private_key, fresh, context) == vault_key
    return {
        "code_bytes": code_bytes.hex(), "hkdf_info": info.hex(), "recovery_seed": seed.hex(),
        "recovery_secret_key": bytes(private_key).hex(), "recovery_public_key": public_key.hex(),
        "binding_input": (b"\x01" + context.encode()).hex(), "binding": binding.hex(),
        "ephemeral_public_key": wrapped[1:33].hex(), "vault_key": vault_key.hex(),
    }


def _person(label: bytes, digest: bytes, secret_bytes: bytes) -> str:
    """The 16-byte personalisation: the label padded with zeros, as PyNaCl does it."""
    person = label.ljust(16, b"\0")
    assert hashlib.blake2b(secret_bytes, digest_size=32, person=person).digest() == digest
    return person.hex()


def check_unlock_session(i: dict) -> dict:
    secret, user, epoch, blob = i["unlock_secret"], user_pk(i), i["epoch"], H(i["blob"])
    session_id, session_key = unlock_session_id(secret), unlock_session_key(secret)
    keys = open_session(secret, i["user_id"], epoch, blob)
    context = Context(SESSION_PURPOSE, i["user_id"], "", epoch)
    payload = aead.open_(session_key, blob, context)
    assert seal_session(secret, i["user_id"], epoch, keys, rng=nonces(nonce_of(blob))) == blob
    secret_bytes = base64.urlsafe_b64decode(secret + "=")
    cache_key = unlock._cache_key(Vault(user_id=user, unlock_epoch=epoch), secret)
    expires_at = datetime.fromtimestamp(i["expires_at"], tz=UTC)
    idle_expires_at = datetime.fromtimestamp(i["idle_expires_at"], tz=UTC)
    entry = unlock._entry(blob, expires_at, idle_expires_at, i["key_set_version"], i["token_id"])
    value = JSONSerializer().dumps(entry)
    assert unlock._read_entry(JSONSerializer().loads(value)) == {
        "blob": blob, "expires_at": i["expires_at"], "idle_expires_at": i["idle_expires_at"],
        "key_set_version": i["key_set_version"], "token_id": i["token_id"],
    }
    return {
        "secret_bytes": secret_bytes.hex(),
        "session_id_personalisation": _person(b"coffer-sess-id", H(session_id), secret_bytes),
        "session_id": session_id,
        "session_key_personalisation": _person(b"coffer-sess-key", session_key, secret_bytes),
        "session_key": session_key.hex(),
        "context": context.encode().hex(),
        "payload": payload.hex(),
        "kek": keys.kek.hex(),
        "vault_keys": keys_hex(keys.vault_keys),
        "cache_key": cache_key,
        "redis_key": default_key_func(cache_key, "coffer", 1),
        "cache_value": value.decode("utf-8"),
    }


def check_user_keys(i: dict) -> dict:
    user, version, vault_key = user_pk(i), i["vk_version"], H(i["vault_key"])
    wrapped_box, wrapped_sign = H(i["wrapped_box_private_key"]), H(i["wrapped_sign_private_key"])
    vault = Vault(user_id=user, user_keys_vk_version=version, wrapped_box_private_key=wrapped_box,
                  wrapped_sign_private_key=wrapped_sign)
    keys = services.VaultKeys(kek=bytes(32), vault_keys={version: vault_key})
    box_seed, sign_seed = services._user_key_seeds(vault, keys)
    box_key, sign_key = services.user_keys_open(vault=vault, keys=keys)
    with sealing_with(nonce_of(wrapped_box), nonce_of(wrapped_sign)):
        made = services.user_keys_wrap(user_id=user, vault_key=vault_key, vk_version=version,
                                       box_seed=box_seed, sign_seed=sign_seed)
    assert (made.wrapped_box_private_key, made.wrapped_sign_private_key) == (wrapped_box, wrapped_sign)
    assert (made.box_public_key, made.sign_public_key) == (bytes(box_key.public_key), bytes(sign_key.verify_key))
    return {
        "box_context": services.user_key_context(services.BOX_KEY_PURPOSE, user, version).encode().hex(),
        "sign_context": services.user_key_context(services.SIGN_KEY_PURPOSE, user, version).encode().hex(),
        "box_seed": box_seed.hex(), "sign_seed": sign_seed.hex(),
        "box_secret_key": bytes(box_key).hex(), "box_public_key": made.box_public_key.hex(),
        "sign_public_key": made.sign_public_key.hex(),
    }


def check_rotation_job_keys(i: dict) -> dict:
    keys = server_keys(i)
    provider = LocalKeyProvider(keys)
    job_id, version, sealed = i["job_id"], i["server_key_version"], H(i["sealed_keys"])
    with mock.patch.object(material, "get_key_provider", lambda: provider):
        vault_keys = material.open_job_keys(job_id, version, sealed)
        with sealing_with(nonce_of(sealed)):
            assert material.seal_job_keys(job_id, vault_keys) == (version, sealed)
    canonical_uuid(job_id)
    context = Context(SERVER_WRAP_PURPOSE, job_id, material.PURPOSE, version)
    payload = aead.open_(keys[version], sealed, context)
    assert material.encode_keys(vault_keys) == payload
    return {"context": context.encode().hex(), "payload": payload.hex(), "vault_keys": keys_hex(vault_keys)}


def check_file_name(i: dict) -> dict:
    where = {"user_id": user_pk(i), "file_id": canonical_uuid(i["file_id"]), "dek_version": i["dek_version"]}
    dek, sealed = H(i["dek"]), H(i["sealed_filename"])
    filename = file_sealing.open_filename(dek=dek, sealed=sealed, **where)
    with sealing_with(nonce_of(sealed)):
        assert file_sealing.seal_filename(dek=dek, filename=filename, **where) == sealed
    context = file_sealing.filename_context(**where)
    return {"context": context.encode().hex(), "filename": filename, "filename_utf8": filename.encode().hex()}


def check_record_payload(i: dict) -> dict:
    where = {"user_id": user_pk(i), "record_id": canonical_uuid(i["record_id"]), "dek_version": i["dek_version"],
             "kind": i["kind"], "schema_version": i["schema_version"]}
    dek, ciphertext = H(i["dek"]), H(i["ciphertext"])
    payload = record_sealing.open_payload(dek=dek, ciphertext=ciphertext, **where)
    context = record_sealing.record_context(**{**where, "user_id": str(where["user_id"])})
    raw = aead.open_(dek, ciphertext, context)
    assert record_sealing.encode_payload(payload) == raw
    with sealing_with(nonce_of(ciphertext)):
        assert record_sealing.seal_payload(dek=dek, payload=raw, **where) == ciphertext
    return {"context": context.encode().hex(), "payload": raw.hex(), "label": payload.label, "data": payload.data}


def check_file_stream(i: dict) -> dict:
    user, file_id, dek, ciphertext = user_pk(i), canonical_uuid(i["file_id"]), H(i["dek"]), H(i["ciphertext"])
    row = File(id=uuid.UUID(file_id), owner_id=user, dek_version=i["dek_version"])
    context = file_services._stream_context(row)
    assert context == file_sealing.stream_context(user_id=user, file_id=file_id, dek_version=i["dek_version"])
    plaintext = b"".join(decrypt_stream(dek, context, [ciphertext]))
    assert b"".join(encrypt_stream(dek, context, [plaintext], rng=nonces(ciphertext[1:17]))) == ciphertext
    return {"context": context.hex(), "plaintext": plaintext.hex()}


CHECKS: dict[str, Callable[[dict], dict]] = {
    "context": check_context,
    "kek": check_kek,
    "server_share_wrap": check_server_share_wrap,
    "recovery_code": check_recovery_code,
    "recovery": check_recovery,
    "unlock_session": check_unlock_session,
    "user_keys": check_user_keys,
    "rotation_job_keys": check_rotation_job_keys,
    "file_name": check_file_name,
    "record_payload": check_record_payload,
    "file_stream": check_file_stream,
}


def _encode_context(i: dict) -> None:
    Context(i["purpose"], i["user_id"], i["item_id"], i["key_version"], tuple(i["extra"])).encode()


def _parse_unlock_secret(i: dict) -> None:
    unlock_session_id(i["unlock_secret"])
    unlock_session_key(i["unlock_secret"])


# The parsing step of the kinds that have invalid inputs, and what it raises for them.
PARSERS: dict[str, tuple[Callable[[dict], object], type[Exception]]] = {
    "context": (_encode_context, ValueError),
    "recovery_code": (lambda i: parse_recovery_code(i["code"]), IntegrityError),
    "recovery": (lambda i: parse_recovery_code(i["recovery_code"]), IntegrityError),
    "unlock_session": (_parse_unlock_secret, IntegrityError),
}


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path):
    case = load(path)
    assert case["name"] == path.stem
    check = CHECKS[case["kind"]]
    inputs = case["inputs"]
    if "expected" in case:
        assert "error" not in case
        assert check(inputs) == case["expected"]
        return
    error = case["error"]
    assert error in ("integrity", "invalid")
    parser = PARSERS.get(case["kind"])
    if error == "invalid":
        parse, raised = parser
        with pytest.raises(raised):
            parse(inputs)
    elif parser is not None:
        parser[0](inputs)  # well-formed: it is the cryptography that refuses it
    with pytest.raises(IntegrityError if error == "integrity" else PARSERS[case["kind"]][1]) as caught:
        check(inputs)
    if caught.type is IntegrityError:
        assert str(caught.value) == "integrity check failed"


def test_every_kind_has_successes_and_failures_and_the_fields_of_its_kind():
    cases = [load(p) for p in VECTORS]
    assert {c["kind"] for c in cases} == set(CHECKS)
    for kind in CHECKS:
        of_kind = [c for c in cases if c["kind"] == kind]
        assert any("expected" in c for c in of_kind), kind
        assert any("error" in c for c in of_kind), kind
        input_fields = {frozenset(c["inputs"]) for c in of_kind if "expected" in c}
        assert len(input_fields) == 1, kind  # every success of a kind has the same inputs
        assert all(set(c["inputs"]) <= set(next(iter(input_fields))) | {"key", "blob"} for c in of_kind), kind
    for case in cases:
        assert set(case) in ({"name", "kind", "description", "inputs", "expected"},
                             {"name", "kind", "description", "inputs", "error"})


def test_the_contexts_1_23_and_12_3_differ():
    a, b = (load(gen.OUT / f"context_split_{n}_ok.json") for n in ("1_23", "12_3"))
    assert "".join(a["expected"]["fields"]) == "".join(b["expected"]["fields"])
    assert a["expected"]["encoded"] != b["expected"]["encoded"]


def test_the_example_of_docs_format_md():
    case = load(gen.OUT / "context_kek_ok.json")
    assert case["expected"]["encoded"] == "636f666665722f61642f7631" "04" "00036b656b" "00023432" "0000" "000130"


def test_identifier_contexts_are_what_the_code_builds_from_ints_and_uuids():
    record = load(gen.OUT / "context_record_ok.json")["inputs"]
    built = record_sealing.record_context(user_id=str(42), record_id=str(uuid.UUID(record["item_id"])),
                                          dek_version=1, kind="passport", schema_version=1)
    assert built.encode().hex() == load(gen.OUT / "context_record_ok.json")["expected"]["encoded"]
    dek = load(gen.OUT / "context_dek_record_ok.json")
    built = record_sealing.dek_context(user_id=42, record_id=uuid.UUID(dek["inputs"]["item_id"]), vault_key_version=3)
    assert built.encode().hex() == dek["expected"]["encoded"]
    name = load(gen.OUT / "context_file_name_ok.json")
    built = file_sealing.filename_context(user_id=42, file_id=uuid.UUID(name["inputs"]["item_id"]), dek_version=2)
    assert built.encode().hex() == name["expected"]["encoded"]


def test_the_nfkc_pin_gives_the_ascii_pins_kek():
    ascii_pin, wide = (load(gen.OUT / f"{n}.json") for n in ("kek_test_profile_ok", "kek_nfkc_fullwidth_digits_ok"))
    assert ascii_pin["inputs"]["pin"] != wide["inputs"]["pin"]
    assert ascii_pin["expected"] == wide["expected"]


def test_the_purposes_are_the_ones_the_services_use():
    assert (gen.SERVER_SHARE_PURPOSE, gen.KEK_WRAP_PURPOSE, gen.RECOVERY_WRAP_PURPOSE) == (
        services.SERVER_SHARE_PURPOSE, services.KEK_WRAP_PURPOSE, services.RECOVERY_WRAP_PURPOSE)
    assert (gen.BOX_KEY_PURPOSE, gen.SIGN_KEY_PURPOSE) == (services.BOX_KEY_PURPOSE, services.SIGN_KEY_PURPOSE)


def test_the_redis_key_prefix_is_the_base_settings_one():
    from coffer.settings import base

    cache = base.CACHES["default"]
    assert cache["KEY_PREFIX"] == gen.CACHE_KEY_PREFIX
    assert "VERSION" not in cache and "KEY_FUNCTION" not in cache  # Django's defaults: version 1
    assert unlock.ENTRY_FORMAT == gen.ENTRY_FORMAT


def test_the_generator_is_deterministic(tmp_path):
    with mock.patch.object(gen, "derive_pin_key", pin_key):
        gen.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in VECTORS]
    for path in VECTORS:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
