"""The app face of coffer-client: the documented known answers (docs/sharing.md §7,
docs/attestations.md §5), then grants and attestations made by a live server, opened and
verified, and refused once tampered with."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from nacl.public import PrivateKey, SealedBox
from nacl.signing import SigningKey

from tests.records.samples import valid

from .conftest import PIN, make_user, token_for

USER_KEY = SigningKey(bytes(range(32)))
APP_BOX_KEY = PrivateKey(bytes(range(0x40, 0x60)))
APP_SIGN_KEY = SigningKey(bytes(range(0x60, 0x80)))
APP_ID = "c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c"
GRANT_ID = "7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11"
DOCUMENT = (
    '{"app_id":"c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c","expires_at":1767830400,"grant_id":"7f0c2a9e-3b7d-4c1e-'
    '9a55-0d6b2f8e4c11","issued_at":1767225600,"records":[{"fields":{"holder":"Alice Example","number":"424242424'
    '2424242"},"id":"5b2f6d0e-1c3a-4e8b-9f7d-6a4c2e0b8d19","kind":"bank_card","label":"Everyday Visa","schema_ve'
    'rsion":1}],"user_id":42,"version":1}'
).encode()
GRANT_SIGNATURE = base64.b64decode(
    "0tp67TXa9kd/8nr6rfhnyNs55JqtfriI0dUId6dKXvWbGy083xi4uRPTKgdBLy9SeL06+rO7s36oEuTioZWuBw=="
)
ATTESTATION = {
    "canonical": (
        "Y29mZmVyLWF0dGVzdGF0aW9uLXYxCnsiaXNzdWVkX2F0IjoxNzY3MjI1NjAwLCJwYXlsb2FkIjp7ImFjY3VyYWN5X20iOjEyLCJsYXRfZTci"
        "OjUyNTIwMDA2NiwibG9uX2U3IjoxMzQwNDk1NDAsIm5vdGUiOiJDYWbDqSBcIlp1ciBMaW5kZVwiIn0sInB1cnBvc2UiOiJsb2NhdGlvbi1m"
        "aXgiLCJ1c2VyX2lkIjo0MiwidmVyc2lvbiI6MX0="
    ),
    "signature": "98JpcxNZ5iHS8/xiBKbE4vkazkCryluSzM+MCcpFT8iwjXc6urcjy23gPuhgKiE+cvT4erbfJsh4RqeeAhkvDw==",
}
USER_PUBLIC = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
NOW = 1767225600 + 60


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def served(envelope: bytes, *, user_id: int = 42, grant_id: str = GRANT_ID, box_key: PrivateKey = APP_BOX_KEY) -> dict:
    return {"id": grant_id, "user_id": user_id, "sealed_grant": b64(SealedBox(box_key.public_key).encrypt(envelope))}


def open_known(envelope: bytes, **kwargs):
    from coffer_client import open_grant

    return open_grant(served(envelope, **kwargs), app_id=APP_ID, box_key=APP_BOX_KEY,
                      user_sign_key=lambda user_id: bytes(USER_KEY.verify_key), now=NOW)


def test_the_documented_request_signature():
    from coffer_client import request_message

    message = request_message(app_id=APP_ID, method="GET", path="/api/v1/apps/me/grants/?limit=10",
                              timestamp="1767225600", nonce="q3J5bW9uZC1ub25jZS0wMQ", body=b"")
    assert b64(APP_SIGN_KEY.sign(message).signature) == (
        "6i740+8I3pgCH5rtqral7lHiepN1UEgFeIIymPdWweFMv7Y4gMB8hiqPEr0KJbg2L/BFRdAVkMR1AY1moiNzBQ=="
    )


def test_the_documented_grant_opens():
    opened = open_known(b"\x01" + GRANT_SIGNATURE + DOCUMENT)
    assert (opened.grant_id, opened.app_id, opened.user_id, opened.expires_at) == (GRANT_ID, APP_ID, 42, 1767830400)
    assert opened.records[0].fields == {"holder": "Alice Example", "number": "4242424242424242"}


@pytest.mark.parametrize(("envelope", "reason"), [
    (b"\x02" + GRANT_SIGNATURE + DOCUMENT, "unknown grant envelope"),
    (b"\x01" + GRANT_SIGNATURE[:-1] + bytes([GRANT_SIGNATURE[-1] ^ 1]) + DOCUMENT, "signature does not verify"),
    (b"\x01" + GRANT_SIGNATURE + DOCUMENT.replace(b"4242424242424242", b"4000000000000002"), "signature does not verify"),
    (b"\x01" + GRANT_SIGNATURE + DOCUMENT.replace(b'"version":1}', b'"version":1} '), "canonical"),
    (b"\x01" + GRANT_SIGNATURE + DOCUMENT.replace(b',"user_id":42', b',"user_id":42.0'), "non-integer"),
    (b"\x01" + GRANT_SIGNATURE[:10], "unknown grant envelope"),
])
def test_a_tampered_documented_grant_is_refused(envelope, reason):
    from coffer_client import VerificationError

    with pytest.raises(VerificationError, match=reason):
        open_known(envelope)


def test_the_documented_grant_is_refused_to_another_app_user_grant_id_time_or_key():
    from coffer_client import VerificationError, open_grant

    envelope = b"\x01" + GRANT_SIGNATURE + DOCUMENT
    user_key = lambda user_id: bytes(USER_KEY.verify_key)  # noqa: E731
    cases = [
        (dict(app_id="00000000-0000-4000-8000-000000000000"), served(envelope), "another app"),
        (dict(app_id=APP_ID), served(envelope, user_id=43), "another user"),
        (dict(app_id=APP_ID), served(envelope, grant_id="00000000-0000-4000-8000-000000000001"), "grant id"),
        (dict(app_id=APP_ID, now=1767830400), served(envelope), "expired"),
        (dict(app_id=APP_ID, now=1767225600 - 301), served(envelope), "future"),
        (dict(app_id=APP_ID, box_key=PrivateKey.generate()), served(envelope), "does not unseal"),
    ]
    for options, grant, reason in cases:
        options = {"box_key": APP_BOX_KEY, "now": NOW, **options}
        with pytest.raises(VerificationError, match=reason):
            open_grant(grant, user_sign_key=user_key, **options)
    with pytest.raises(VerificationError, match="signature does not verify"):
        open_grant(served(envelope), app_id=APP_ID, box_key=APP_BOX_KEY, now=NOW,
                   user_sign_key=lambda user_id: bytes(SigningKey.generate().verify_key))


def test_the_documented_attestation_verifies_offline_and_tampering_is_refused():
    from coffer_client import VerificationError, verify_attestation_offline

    verified = verify_attestation_offline(ATTESTATION, public_key=USER_PUBLIC)
    assert (verified.user_id, verified.purpose, verified.issued_at) == (42, "location-fix", 1767225600)
    assert verified.payload["note"] == 'Café "Zur Linde"'

    message = base64.b64decode(ATTESTATION["canonical"])
    tampered = [
        ({**ATTESTATION, "canonical": b64(message.replace(b"525200066", b"525200067"))}, "signature does not verify"),
        ({**ATTESTATION, "canonical": b64(message.replace(b"attestation-v1", b"grant-v1"))}, "not an attestation"),
        ({**ATTESTATION, "signature": b64(bytes(64))}, "signature does not verify"),
        ({**ATTESTATION, "public_key": b64(bytes(SigningKey.generate().verify_key))}, "not the user's published key"),
        ({**ATTESTATION, "attestation": {"version": 1, "user_id": 42, "purpose": "consent", "issued_at": 1767225600,
                                         "payload": {}}}, "not the one signed"),
    ]
    for signed, reason in tampered:
        with pytest.raises(VerificationError, match=reason):
            verify_attestation_offline(signed, public_key=USER_PUBLIC)
    with pytest.raises(VerificationError, match="signature does not verify"):
        verify_attestation_offline(ATTESTATION, public_key=bytes(SigningKey.generate().verify_key))


def test_app_keys_are_saved_readable_by_their_owner_only_and_load_back(tmp_path):
    from coffer_client import AppKeys

    keys = AppKeys.generate()
    keys.app_id = APP_ID
    keys.save(tmp_path / "app.json")
    assert (tmp_path / "app.json").stat().st_mode & 0o777 == 0o600
    loaded = AppKeys.load(tmp_path / "app.json")
    assert (loaded.app_id, loaded.box_public_key, loaded.sign_public_key) == (APP_ID, keys.box_public_key,
                                                                              keys.sign_public_key)


# ---- against a live server ----


@pytest.fixture
def alice(live_coffer, transactional_db):
    from coffer_client import Coffer

    with Coffer(live_coffer.url, token_for(make_user("alice"))) as client:
        client.setup(PIN)
        client.unlock(PIN)
        yield client


@pytest.fixture
def app(live_coffer, transactional_db):
    from coffer_client import AppClient, AppKeys

    with AppClient(live_coffer.url, AppKeys.generate()) as client:
        yield client


def approve(app) -> None:
    from sharing.models import App
    from sharing.services import app_approve

    app_approve(app=App.objects.get(id=app.keys.app_id), actor=None)


def grant(alice, app, fields=("number", "holder")):
    card = alice.create_record("bank_card", valid("bank_card"), label="Everyday Visa")
    return alice.create_grant(app.keys.app_id, [{"record_id": card.id, "fields": list(fields), "share_label": True}],
                              expires_at=timezone.now() + timedelta(days=7)), card


def test_an_app_registers_waits_for_approval_and_opens_the_grants_the_server_sealed(app, alice):
    from coffer_client import Conflict, Forbidden

    registered = app.register(name="Passport checker", callback_url="https://checker.example/cb")
    assert registered["state"] == "pending" and app.keys.app_id == registered["id"]
    assert app.me()["state"] == "pending"
    with pytest.raises(Forbidden) as pending:
        app.grants()
    assert pending.value.code == "app_not_approved"
    with pytest.raises(Conflict) as taken:
        app.register(name="Again", callback_url="https://checker.example/cb")
    assert taken.value.code == "app_key_taken"

    approve(app)
    created, card = grant(alice, app)
    [opened] = app.grants()
    assert opened.grant_id == created.id and opened.app_id == app.keys.app_id
    [record] = opened.records
    assert (record.id, record.kind, record.label) == (card.id, "bank_card", "Everyday Visa")
    assert record.fields == {"number": "4242424242424242", "holder": valid("bank_card")["holder"]}
    # The user's key came from the server once and is pinned for the next grants.
    assert app.user_sign_key(opened.user_id) == base64.b64decode(alice.attest("pin-check", 1)["public_key"])


def _reseal(app, grant_id: str, change, signer=None) -> None:
    from sharing.canonical import canonical_json, grant_envelope, grant_envelope_split, grant_message, parse_canonical
    from sharing.models import Grant

    row = Grant.objects.get(id=grant_id)
    signature, document_bytes = grant_envelope_split(SealedBox(app.keys.box_key).decrypt(bytes(row.sealed_grant)))
    document = parse_canonical(document_bytes)
    change(document)
    document_bytes = canonical_json(document)
    if signer is not None:
        signature = signer.sign(grant_message(document_bytes)).signature
    envelope = grant_envelope(signature=signature, document_bytes=document_bytes)
    Grant.objects.filter(id=grant_id).update(sealed_grant=SealedBox(app.keys.box_key.public_key).encrypt(envelope))


def test_grants_tampered_with_on_the_server_are_refused(app, alice):
    from coffer_client import VerificationError

    from sharing.models import Grant
    from vault.models import Vault
    from vault.services import user_keys_open, vault_keys

    app.register(name="Checker", callback_url="https://checker.example/cb")
    approve(app)
    created, _ = grant(alice, app)
    original = bytes(Grant.objects.get(id=created.id).sealed_grant)
    user = Vault.objects.get(user__username="alice")
    _, alice_key = user_keys_open(vault=user, keys=vault_keys(user=user.user, unlock_secret=alice.unlock_secret))

    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 1
    tamperings = [
        (lambda: Grant.objects.filter(id=created.id).update(sealed_grant=bytes(flipped)), "does not unseal"),
        (lambda: _reseal(app, created.id, lambda d: d["records"][0]["fields"].update(number="4000000000000002")),
         "signature does not verify"),
        (lambda: _reseal(app, created.id, lambda d: d["records"][0]["fields"].update(cvv="123")),
         "signature does not verify"),
        (lambda: _reseal(app, created.id, lambda d: None, signer=SigningKey.generate()), "signature does not verify"),
        (lambda: _reseal(app, created.id, lambda d: d.update(app_id="00000000-0000-4000-8000-000000000000"),
                         signer=alice_key), "another app"),
        (lambda: _reseal(app, created.id, lambda d: d.update(grant_id="00000000-0000-4000-8000-000000000000"),
                         signer=alice_key), "grant id"),
    ]
    for tamper, reason in tamperings:
        Grant.objects.filter(id=created.id).update(sealed_grant=original)
        assert len(app.grants()) == 1
        tamper()
        with pytest.raises(VerificationError, match=reason):
            app.grants()


def test_attestations_made_by_the_server_verify_by_key_handle_and_offline_and_tampered_ones_do_not(app, alice, live_coffer):
    from coffer_client import Coffer, VerificationError, verify_attestation_offline

    signed = alice.attest("location-fix", {"lat_e7": 525200066, "lon_e7": 134049540, "note": "Café"})
    handle = alice.publish_key_handle()
    verified = app.verify_attestation(json.loads(json.dumps(signed)), handle=handle)
    assert (verified.purpose, verified.payload["note"]) == ("location-fix", "Café")
    assert verify_attestation_offline(signed, public_key=app.keys_by_handle(handle)["sign_public_key"]) == verified

    changed = json.loads(json.dumps(signed))
    changed["attestation"]["payload"]["lat_e7"] = 1
    with pytest.raises(VerificationError, match="not the one signed"):
        app.verify_attestation(changed, handle=handle)
    forged = json.loads(json.dumps(signed))
    impostor = SigningKey.generate()
    forged["signature"] = b64(impostor.sign(base64.b64decode(forged["canonical"])).signature)
    forged["public_key"] = b64(bytes(impostor.verify_key))
    with pytest.raises(VerificationError, match="not the user's published key"):
        app.verify_attestation(forged, handle=handle)

    with Coffer(live_coffer.url, token_for(make_user("bob"))) as bob:
        bob.setup(PIN)
        bobs_handle = bob.publish_key_handle()
    with pytest.raises(VerificationError, match="another user's"):
        app.verify_attestation(signed, handle=bobs_handle)


def _peak_rss_reset(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the RSS now


def _rss_kib(pid: int, field: str) -> int:
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith(field + ":"))
    return int(line.split()[1])


def _random_pdf(path: Path, mib: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for n in range(mib):
            piece = (b"%PDF-1.7\n" if n == 0 else b"") + os.urandom(1024 * 1024)
            out.write(piece)
            digest.update(piece)
    return digest.hexdigest()


def test_a_200_mib_scan_is_shared_downloaded_and_verified_with_the_servers_memory_flat(
    app, alice, live_coffer, tmp_path
):
    """Issue 19: the copy at consent and the app's download both stream. The gunicorn worker's
    peak RSS grows by a bounded amount for each (read-ahead, part buffers), which does not grow
    with the scan: 200 MiB costs what 64 MiB does (measured: copy +94 to +124 MiB, download
    +0 to +36 MiB; the allocator keeps some of what the first one freed)."""
    app.register(name="Scan checker", callback_url="https://scans.example/cb")
    approve(app)
    growth: dict[tuple[str, int], float] = {}
    for mib in (64, 200):
        passport = alice.create_record("passport", valid("passport"))
        source = tmp_path / f"front-{mib}.pdf"
        digest = _random_pdf(source, mib)
        assert alice.put_scan(passport.id, "front", source).role == "front"
        worker = live_coffer.worker_pid()
        _peak_rss_reset(worker)
        before = _rss_kib(worker, "VmRSS")
        created = alice.create_grant(app.keys.app_id, [{"record_id": passport.id, "fields": ["surname"],
                                                       "scans": ["front"]}],
                                     expires_at=timezone.now() + timedelta(days=1))
        growth["copy", mib] = (_rss_kib(worker, "VmHWM") - before) / 1024
        [opened] = [g for g in app.grants() if g.grant_id == created.id]
        [scan] = opened.records[0].scans
        assert (scan.role, scan.size, scan.sha256) == ("front", source.stat().st_size, digest)
        _peak_rss_reset(worker)
        before = _rss_kib(worker, "VmRSS")
        seen = []
        out = app.download_scan(opened, scan, tmp_path / f"got-{mib}.pdf", progress=lambda done, total: seen.append(done))
        growth["download", mib] = (_rss_kib(worker, "VmHWM") - before) / 1024
        assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
        assert seen[-1] > scan.size  # the progress counts the ciphertext, which is a little longer
        source.unlink()
        out.unlink()
    for step in ("copy", "download"):
        # Bounded by the S3 part buffers and the read-ahead (docs/performance.md), never by
        # the scan: holding it whole would cost 200 MiB before any copy of it.
        assert growth[step, 200] < 160, growth
        assert growth[step, 200] < growth[step, 64] + 32, growth


def test_a_tampered_scan_copy_is_refused_and_nothing_is_written(app, alice, live_coffer, tmp_path):
    from coffer_client import VerificationError

    from sharing.models import GrantScan

    app.register(name="Scan checker", callback_url="https://scans.example/cb")
    approve(app)
    passport = alice.create_record("passport", valid("passport"))
    source = tmp_path / "front.pdf"
    _random_pdf(source, 1)
    alice.put_scan(passport.id, "front", source)
    created = alice.create_grant(app.keys.app_id, [{"record_id": passport.id, "scans": ["front"]}],
                                 expires_at=timezone.now() + timedelta(days=1))
    [opened] = [g for g in app.grants() if g.grant_id == created.id]
    [scan] = opened.records[0].scans
    stored = live_coffer.bucket_dir / GrantScan.objects.get(pk=scan.id).blob_key
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 1
    stored.write_bytes(bytes(data))
    with pytest.raises(VerificationError):
        app.download_scan(opened, scan, tmp_path / "got.pdf")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["front.pdf"]
    # The user's own scan is untouched: the copy is the app's alone.
    [mine] = [f for f in alice.files(record=passport.id)]
    assert alice.read(mine.id).__next__()[:9] == b"%PDF-1.7\n"
