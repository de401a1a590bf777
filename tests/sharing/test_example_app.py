"""examples/app_client.py, run as its own process against a live server. It knows nothing of
Coffer's server code, only the coffer-client package (clients/python): it registers, receives
a grant, decrypts exactly the granted fields and verifies both signatures. Tampering fails verification; revoked or expired grants are not served."""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone
from nacl.public import PrivateKey, SealedBox

from sharing.canonical import canonical_json, grant_envelope, grant_envelope_split, grant_message, parse_canonical
from sharing.models import App, Grant
from sharing.services import app_approve
from vault.models import Vault

from .conftest import ATTESTATIONS_URL, create_grant, create_record, grant_url, published_handle

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "app_client.py"


def run_example(*args, cwd: Path) -> subprocess.CompletedProcess:
    # -s, a temporary cwd and only the client package on PYTHONPATH: Coffer's modules cannot be imported.
    return subprocess.run(
        [sys.executable, "-s", str(EXAMPLE), *map(str, args)], capture_output=True, text=True, timeout=60,
        cwd=cwd, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "clients" / "python")},
    )


@dataclass
class ExampleApp:
    server: str
    state: Path
    id: str
    workdir: Path

    def run(self, *args) -> subprocess.CompletedProcess:
        return run_example(*args, cwd=self.workdir)

    def grants(self) -> subprocess.CompletedProcess:
        return self.run("grants", "--server", self.server, "--state", self.state)

    @property
    def box_key(self) -> PrivateKey:
        return PrivateKey(base64.b64decode(json.loads(self.state.read_text())["box_private_key"]))


@pytest.fixture
def example(live_server, tmp_path) -> ExampleApp:
    state = tmp_path / "app.json"
    registered = run_example(
        "register", "--server", live_server.url, "--state", state,
        "--name", "Example app", "--callback", "https://example-app.test/callback", cwd=tmp_path,
    )
    assert registered.returncode == 0, registered.stderr
    body = json.loads(registered.stdout)
    assert body["state"] == "pending"
    return ExampleApp(server=live_server.url, state=state, id=body["app_id"], workdir=tmp_path)


@pytest.fixture
def sharing_alice(alice):
    alice.setup_vault().unlock()
    return alice


def approve(example: ExampleApp) -> None:
    app_approve(app=App.objects.get(id=example.id), actor=None)


def test_the_example_imports_nothing_but_the_standard_library_and_the_client_package():
    tree = ast.parse(EXAMPLE.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert imported - set(sys.stdlib_module_names) == {"coffer_client", "httpx"}


def test_it_decrypts_exactly_the_granted_fields_and_verifies_both_signatures(example, sharing_alice):
    pending = example.grants()
    assert pending.returncode == 2 and "403" in pending.stderr
    approve(example)
    card = create_record(sharing_alice, "bank_card", label="Everyday Visa")
    passport = create_record(sharing_alice, "passport", label="My passport")
    created = create_grant(sharing_alice, SimpleNamespace(id=example.id), [
        {"record_id": card["id"], "fields": ["number", "holder"], "share_label": True},
        {"record_id": passport["id"], "fields": ["surname", "date_of_birth"]},
    ])

    fetched = example.grants()
    assert fetched.returncode == 0, fetched.stderr
    [grant] = json.loads(fetched.stdout)["grants"]
    assert grant["grant_id"] == created["id"] and grant["user_id"] == sharing_alice.user.pk
    assert grant["records"] == [
        {"id": card["id"], "kind": "bank_card", "schema_version": 1, "label": "Everyday Visa",
         "fields": {"holder": "Alice Example", "number": "4242424242424242"}, "scans": []},
        {"id": passport["id"], "kind": "passport", "schema_version": 1, "label": "",
         "fields": {"date_of_birth": "1964-08-12", "surname": "Mustermann"}, "scans": []},
    ]

    signed = sharing_alice.client.post(
        ATTESTATIONS_URL, {"purpose": "location-fix", "payload": {"lat_e7": 525200066, "lon_e7": 134049540}},
        format="json",
    ).json()
    attestation = example.workdir / "attestation.json"
    attestation.write_text(json.dumps(signed))
    handle = published_handle(sharing_alice)
    verified = example.run("verify-attestation", "--server", example.server, "--key-handle", handle, attestation)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout) == {"verified": True, "attestation": signed["attestation"]}

    published = base64.b64encode(bytes(Vault.objects.get(user=sharing_alice.user).sign_public_key)).decode()
    offline = example.run("verify-attestation", "--public-key", published, attestation)
    assert offline.returncode == 0, offline.stderr


@pytest.fixture
def granted(example, sharing_alice) -> Grant:
    approve(example)
    card = create_record(sharing_alice, "bank_card", label="Everyday Visa")
    created = create_grant(sharing_alice, SimpleNamespace(id=example.id), [{"record_id": card["id"], "fields": ["number"]}])
    return Grant.objects.get(id=created["id"])


def _reseal(example: ExampleApp, grant: Grant, *, change, signer=None) -> None:
    """Replaces the stored grant with a changed document, sealed to the app as the server would."""
    plaintext = SealedBox(example.box_key).decrypt(bytes(grant.sealed_grant))
    signature, document_bytes = grant_envelope_split(plaintext)
    document = parse_canonical(document_bytes)
    change(document)
    document_bytes = canonical_json(document)
    if signer is not None:
        signature = signer.sign(grant_message(document_bytes)).signature
    envelope = grant_envelope(signature=signature, document_bytes=document_bytes)
    Grant.objects.filter(id=grant.id).update(sealed_grant=SealedBox(example.box_key.public_key).encrypt(envelope))


def _assert_fails(result: subprocess.CompletedProcess, reason: str) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert reason in result.stderr


def test_a_flipped_byte_in_the_sealed_grant_fails(example, granted):
    sealed = bytearray(bytes(granted.sealed_grant))
    sealed[len(sealed) // 2] ^= 0x01
    Grant.objects.filter(id=granted.id).update(sealed_grant=bytes(sealed))
    _assert_fails(example.grants(), "does not unseal")


def test_a_changed_field_value_fails_the_users_signature(example, granted):
    _reseal(example, granted, change=lambda d: d["records"][0]["fields"].update(number="4000000000000002"))
    _assert_fails(example.grants(), "signature does not verify")


def test_an_added_field_fails_the_users_signature(example, granted):
    _reseal(example, granted, change=lambda d: d["records"][0]["fields"].update(cvv="123"))
    _assert_fails(example.grants(), "signature does not verify")


def test_a_grant_signed_by_another_user_fails(example, granted):
    from nacl.signing import SigningKey

    _reseal(example, granted, change=lambda d: None, signer=SigningKey.generate())
    _assert_fails(example.grants(), "signature does not verify")


def test_a_grant_made_for_another_app_fails(example, granted, sharing_alice):
    from vault.services import user_keys_open, vault_keys

    keys = vault_keys(user=sharing_alice.user, unlock_secret=sharing_alice.unlock_secret)
    _, alice_key = user_keys_open(vault=Vault.objects.get(user=sharing_alice.user), keys=keys)
    _reseal(example, granted, change=lambda d: d.update(app_id="00000000-0000-4000-8000-000000000000"), signer=alice_key)
    _assert_fails(example.grants(), "another app")


def test_revoked_and_expired_grants_are_not_served(example, granted, sharing_alice):
    card = create_record(sharing_alice, "bank_card")
    expiring = create_grant(sharing_alice, SimpleNamespace(id=example.id), [{"record_id": card["id"]}])
    assert len(json.loads(example.grants().stdout)["grants"]) == 2
    assert sharing_alice.client.delete(grant_url(granted.id)).status_code == 204
    Grant.objects.filter(id=expiring["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    fetched = example.grants()
    assert fetched.returncode == 0, fetched.stderr
    assert json.loads(fetched.stdout) == {"grants": []}


@pytest.fixture
def attestation(example, sharing_alice) -> dict:
    return sharing_alice.client.post(
        ATTESTATIONS_URL, {"purpose": "consent", "payload": {"statement": "I agree to the terms, v2."}}, format="json",
    ).json()


def _verify(example: ExampleApp, signed: dict) -> subprocess.CompletedProcess:
    from django.contrib.auth import get_user_model

    from sharing.key_handles import key_handle_get, key_handle_rotate

    user = get_user_model().objects.get(pk=signed["attestation"]["user_id"])
    handle = (key_handle_get(user=user) or key_handle_rotate(user=user)).handle
    path = example.workdir / "attestation.json"
    path.write_text(json.dumps(signed))
    return example.run("verify-attestation", "--server", example.server, "--key-handle", handle, path)


def test_an_attestation_whose_shown_payload_was_changed_fails(example, attestation):
    attestation["attestation"]["payload"]["statement"] = "I agree to nothing."
    _assert_fails(_verify(example, attestation), "not the one signed")


def test_an_attestation_whose_signed_bytes_were_changed_fails(example, attestation):
    message = base64.b64decode(attestation["canonical"]).replace(b"terms, v2", b"terms, v3")
    attestation["canonical"] = base64.b64encode(message).decode()
    attestation["attestation"]["payload"]["statement"] = "I agree to the terms, v3."
    _assert_fails(_verify(example, attestation), "signature does not verify")


def test_an_attestation_signed_by_a_key_that_is_not_published_fails(example, attestation):
    from nacl.signing import SigningKey

    impostor = SigningKey.generate()
    message = base64.b64decode(attestation["canonical"])
    attestation["signature"] = base64.b64encode(impostor.sign(message).signature).decode()
    attestation["public_key"] = base64.b64encode(bytes(impostor.verify_key)).decode()
    _assert_fails(_verify(example, attestation), "not the user's published key")
    del attestation["public_key"]
    _assert_fails(_verify(example, attestation), "signature does not verify")


def test_it_downloads_decrypts_and_checks_the_shared_scans(example, sharing_alice, tmp_path):
    from files.models import File
    from sharing.models import GrantScan
    from tests.files.conftest import pdf
    from tests.files.test_scan_roles import put_scan

    approve(example)
    passport = create_record(sharing_alice, "passport")
    front = pdf(150_000, marker=b"front")
    assert put_scan(sharing_alice.client, passport["id"], "front", front).status_code == 201
    create_grant(sharing_alice, SimpleNamespace(id=example.id),
                 [{"record_id": passport["id"], "fields": ["surname"], "scans": ["front"]}])
    scans = tmp_path / "scans"
    scans.mkdir()
    fetched = example.run("grants", "--server", example.server, "--state", example.state, "--scans-dir", scans)
    assert fetched.returncode == 0, fetched.stderr
    [grant] = json.loads(fetched.stdout)["grants"]
    [scan] = grant["records"][0]["scans"]
    assert scan["verified"] is True and "key" not in scan
    assert Path(scan["path"]).read_bytes() == front

    # A copy changed in the store: the app refuses it and writes nothing.
    from storage.factory import get_store

    copy = GrantScan.objects.get(pk=scan["id"])
    store = get_store()
    data = bytearray(store.read_range(copy.blob_key, 0, copy.ciphertext_size))
    data[-20] ^= 1
    store.put(copy.blob_key, [bytes(data)])
    Path(scan["path"]).unlink()
    _assert_fails(example.run("grants", "--server", example.server, "--state", example.state, "--scans-dir", scans),
                  "integrity")
    assert list(scans.iterdir()) == []
    assert File.objects.get(record_id=passport["id"]).role == "front"


def test_it_reports_a_correction_and_sees_it_resolved_when_the_user_fixes_it(example, sharing_alice):
    approve(example)
    card = create_record(sharing_alice, "bank_card")
    created = create_grant(sharing_alice, SimpleNamespace(id=example.id),
                           [{"record_id": card["id"], "fields": ["holder", "number"]}])
    base = ("--server", example.server, "--state", example.state, "--grant", created["id"])
    reported = example.run("report", *base, "--record", card["id"], "--field", "holder",
                           "--message", "The holder's name does not match the card.")
    assert reported.returncode == 0, reported.stderr
    assert json.loads(reported.stdout)["state"] == "open"
    listed = sharing_alice.client.get(f"/api/v1/records/{card['id']}/corrections").json()["results"]
    assert [(c["field"], c["message"]) for c in listed] == [("holder", "The holder's name does not match the card.")]

    url = f"/api/v1/records/{card['id']}/"
    etag = sharing_alice.client.get(url)["ETag"]
    changed = sharing_alice.client.patch(url, {"data": {"holder": "ALICE M EXAMPLE"}}, format="json",
                                         HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    [state] = json.loads(example.run("corrections", *base).stdout)["corrections"]
    assert (state["state"], state["reason"]) == ("resolved", "changed")

    refused = example.run("report", *base, "--record", card["id"], "--field", "cvv", "--message", "x")
    assert refused.returncode == 2 and "not_shared" in refused.stderr
