"""The app's message is sealed to the user's X25519 key: the database never holds it in the
clear, and a sealed message opens only on its own row, with the user's key."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from nacl.public import PrivateKey

from corrections.models import Correction
from corrections.sealing import MIN_SEALED_SIZE, message_context, open_message, seal_message
from vault.crypto.errors import IntegrityError

from .conftest import MESSAGE, record_corrections_url, report_ok


def _every_column_as_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(c)::text FROM corrections_correction c")
        return " ".join(row[0] for row in cursor.fetchall())


def test_the_row_holds_no_plaintext_message(grant, app, alice_passport):
    report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "date_of_expiry", "message": MESSAGE})
    dumped = _every_column_as_text()
    sealed = bytes(Correction.objects.get().sealed_message)
    for needle in (MESSAGE, "does not match", "2034-02-18"):
        assert needle not in dumped
        assert needle.encode() not in sealed
    assert sealed[0] == 0x01 and len(sealed) == 1 + 48 + 32 + len(MESSAGE.encode())


def test_the_owner_reads_it_from_the_unlocked_vault(grant, app, alice_passport, unlocked_alice):
    report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "date_of_expiry", "message": MESSAGE})
    item = unlocked_alice.client.get(record_corrections_url(alice_passport["id"])).json()["results"][0]
    assert (item["message"], item["integrity_error"], item["app"]["name"]) == (MESSAGE, False, "Demo app")


def test_a_message_moved_onto_another_row_fails_its_integrity_check(grant, app, alice_passport, unlocked_alice):
    first = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": "first message"})
    second = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "message": "second message"})
    moved = Correction.objects.get(pk=first["id"]).sealed_message
    Correction.objects.filter(pk=second["id"]).update(sealed_message=moved)
    items = {item["id"]: item for item in
             unlocked_alice.client.get(record_corrections_url(alice_passport["id"])).json()["results"]}
    assert items[first["id"]]["message"] == "first message"
    assert (items[second["id"]]["message"], items[second["id"]]["integrity_error"]) == (None, True)


# ---- the sealing module alone: no database ----

CONTEXT = message_context(user_id=42, correction_id="5b2f6d0e-1c3a-4e8b-9f7d-6a4c2e0b8d19")


def test_it_round_trips_and_binds_user_and_correction():
    key = PrivateKey.generate()
    sealed = seal_message(box_public_key=bytes(key.public_key), message="selfie is blurry", context=CONTEXT)
    assert open_message(box_private_key=key, sealed=sealed, context=CONTEXT) == "selfie is blurry"
    for other in (message_context(user_id=43, correction_id=CONTEXT.item_id),
                  message_context(user_id=42, correction_id="7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11")):
        with pytest.raises(IntegrityError):
            open_message(box_private_key=key, sealed=sealed, context=other)
    with pytest.raises(IntegrityError):
        open_message(box_private_key=PrivateKey.generate(), sealed=sealed, context=CONTEXT)


def test_a_flipped_bit_anywhere_or_a_cut_fails():
    key = PrivateKey.generate()
    sealed = seal_message(box_public_key=bytes(key.public_key), message="x" * 20, context=CONTEXT)
    for index in range(len(sealed)):
        tampered = bytearray(sealed)
        tampered[index] ^= 0x01
        with pytest.raises(IntegrityError):
            open_message(box_private_key=key, sealed=bytes(tampered), context=CONTEXT)
    for cut in (b"", sealed[:MIN_SEALED_SIZE - 1], sealed[:-1], os.urandom(len(sealed))):
        with pytest.raises(IntegrityError):
            open_message(box_private_key=key, sealed=cut, context=CONTEXT)


def test_the_module_imports_without_django_settings():
    import subprocess
    import sys

    code = "import sys, corrections.sealing; assert not any(m.startswith('django') for m in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": os.environ["PATH"]},
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.returncode == 0, result.stderr


def test_the_known_answer_opens_as_docs_format_md_says():
    """Rebuilt from the document's formulas alone, not from corrections.sealing."""
    import hashlib
    import json
    import struct
    from pathlib import Path

    from nacl.public import SealedBox

    vector = json.loads((Path(__file__).parent / "vectors" / "message_ok.json").read_text())
    inputs, expected = vector["inputs"], vector["expected"]
    fields = ["correction/message", str(inputs["user_id"]), inputs["correction_id"], "0"]
    context = b"coffer/ad/v1" + bytes([len(fields)]) + b"".join(
        struct.pack(">H", len(f.encode())) + f.encode() for f in fields)
    assert context.hex() == expected["context"]
    binding = hashlib.blake2b(b"\x01" + context, digest_size=32).digest()
    assert binding.hex() == expected["binding"]
    sealed = bytes.fromhex(inputs["sealed_message"])
    key = PrivateKey.from_seed(bytes.fromhex(inputs["box_seed"]))
    assert bytes(key.public_key).hex() == inputs["box_public_key"]
    assert sealed[0] == 0x01 and len(sealed) == 81 + len(expected["message"].encode())
    opened = SealedBox(key).decrypt(sealed[1:])
    assert opened[:32] == binding and opened[32:].decode() == expected["message"]
    assert open_message(box_private_key=key, sealed=sealed, context=message_context(
        user_id=inputs["user_id"], correction_id=inputs["correction_id"])) == expected["message"]
