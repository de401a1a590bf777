"""The opener's own derivations (written from docs/format.md, not from vault.crypto)
against the test vectors: every success gives the expected bytes, every failure is the
opener's one error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from opener import IntegrityError, crypto
from opener.stream import decrypt_stream

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def _cases(folder: str, *kinds: str) -> list[dict]:
    cases = [json.loads(path.read_text()) for path in sorted((VECTORS / folder).glob("*.json"))]
    return [case for case in cases if not kinds or case.get("kind") in kinds]


def _id(case: dict) -> str:
    return case["name"]


def _hex(text: str) -> bytes:
    return bytes.fromhex(text)


def _open(case: dict) -> dict:
    """What the opener makes of one derive/ case's inputs."""
    given = case["inputs"]
    kind = case["kind"]
    if kind == "context":
        return {"encoded": crypto.context(given["purpose"], given["user_id"], given["item_id"], given["key_version"], *given["extra"]).hex()}
    if kind == "kek":
        kek = crypto.kek_from_pin(given["pin"], _hex(given["kdf_salt"]), given["kdf_params"], _hex(given["server_share"]), given["user_id"])
        vault_key = crypto.open_vault_key_with_kek(kek, given["user_id"], given["vk_version"], _hex(given["wrapped_by_kek"]))
        return {"kek": kek.hex(), "vault_key": vault_key.hex()}
    if kind == "server_share_wrap":
        keyring = crypto.parse_keyring(given["keyring_text"])
        share = crypto.server_share(keyring, given["user_id"], given["server_key_version"], _hex(given["wrapped_server_share"]))
        return {"server_share": share.hex()}
    if kind == "recovery_code":
        return {"code_bytes": crypto.parse_recovery_code(given["code"]).hex()}
    if kind == "recovery":
        pair = crypto.recovery_key_pair(given["recovery_code"], _hex(given["server_share"]), given["user_id"])
        vault_key = crypto.open_vault_key_with_recovery(pair, given["user_id"], given["vk_version"], _hex(given["wrapped_by_recovery"]))
        return {"recovery_public_key": pair[0].hex(), "recovery_secret_key": pair[1].hex(), "vault_key": vault_key.hex()}
    if kind == "file_name":
        name = crypto.open_filename(_hex(given["dek"]), given["user_id"], given["file_id"], given["dek_version"], _hex(given["sealed_filename"]))
        return {"filename": name}
    if kind == "record_payload":
        payload = crypto.open_record(_hex(given["dek"]), given["user_id"], given["record_id"], given["dek_version"],
                                     given["kind"], given["schema_version"], _hex(given["ciphertext"]))
        return {"label": payload["label"], "data": payload["data"]}
    if kind == "file_stream":
        ciphertext = _hex(given["ciphertext"])
        ctx = crypto.context("file", given["user_id"], given["file_id"], given["dek_version"])
        plaintext = b"".join(decrypt_stream(_hex(given["dek"]), ctx, io.BytesIO(ciphertext), len(ciphertext)))
        return {"plaintext": plaintext.hex(), "context": ctx.hex()}
    raise AssertionError(kind)


KINDS = ("context", "kek", "server_share_wrap", "recovery_code", "recovery", "file_name", "record_payload", "file_stream")


@pytest.mark.parametrize("case", [c for c in _cases("derive", *KINDS) if "expected" in c], ids=_id)
def test_it_computes_what_each_success_vector_expects(case):
    for name, value in _open(case).items():
        assert value == case["expected"][name], name


@pytest.mark.parametrize("case", [c for c in _cases("derive", *KINDS) if "error" in c and c["kind"] != "context"], ids=_id)
def test_it_refuses_each_failure_vector_with_the_one_error(case):
    with pytest.raises(IntegrityError) as refused:
        _open(case)
    assert str(refused.value) == "integrity check failed"


@pytest.mark.parametrize("case", _cases("stream"), ids=_id)
def test_it_reads_each_stream_vector_as_expected(case):
    ciphertext = _hex(case["ciphertext"])
    read = lambda: b"".join(decrypt_stream(_hex(case["dek"]), _hex(case["context"]), io.BytesIO(ciphertext), len(ciphertext)))  # noqa: E731
    if case["expect"] == "ok":
        assert read() == _hex(case["plaintext"])
    else:
        with pytest.raises(IntegrityError):
            read()


def test_it_refuses_a_keyring_with_a_url_safe_key_or_a_comment():
    key = "gGvZWUV0+mjKpMMNrMcH39P4W9xXSuCtdvpa758MYbg="
    assert crypto.parse_keyring(f" 2:{key}\r\n\n1:{key},") == {2: crypto.base64.b64decode(key), 1: crypto.base64.b64decode(key)}
    for text in (f"1:{key.replace('+', '-')}", f"# keys\n1:{key}", f"1: {key}", f"1:{key},1:{key}", f"0:{key}", ""):
        with pytest.raises(crypto.OpenerError):
            crypto.parse_keyring(text)
