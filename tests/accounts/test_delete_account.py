"""POST /api/v1/accounts/delete: re-authentication, the crypto-erase in one transaction,
what is ended (tokens, unlock and web sessions, grants), the tombstone and the mail."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import AccessToken
from audit.models import AuditEvent
from erasure.models import ErasureJob
from files.models import File
from records.models import Record
from sharing.models import Grant, KeyHandle
from tests.conftest import PASSWORD, make_person
from tests.support.second_factor import give_totp
from tests.support.dumps import cache_keys, postgres_dump
from vault.models import RotationJob, Vault, VaultKey

URL = "/api/v1/accounts/delete"
User = get_user_model()


def _session(person) -> APIClient:
    client = APIClient()
    assert client.login(username=person.user.username, password=PASSWORD)
    return client


def _delete(person, *, password: str = PASSWORD, confirmation: str | None = None, client=None):
    client = client or _session(person)
    body = {"password": password, "confirmation": person.user.username if confirmation is None else confirmation}
    return client.post(URL, body, format="json")


def _note(person, n: int) -> str:
    body = {"kind": "note", "label": f"label {n}", "data": {"title": f"t{n}", "text": f"secret {n}"}}
    response = person.client.post("/api/v1/records/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _upload(person, n: int) -> str:
    body = b"%PDF-1.7\n" + hashlib.sha256(f"{person.user.username}{n}".encode()).digest() * 100
    response = person.client.post("/api/v1/files/", data=body, content_type="application/pdf",
                                  HTTP_X_FILENAME=f"{n}.pdf")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _secret_bytes(user_id: int) -> list[bytes]:
    """Every wrapped key, share and ciphertext of this user that a database copy could hold."""
    vault = Vault.objects.get(user_id=user_id)
    found = [bytes(vault.wrapped_server_share), bytes(vault.wrapped_box_private_key),
             bytes(vault.wrapped_sign_private_key), bytes(vault.kdf_salt)]
    for key in VaultKey.objects.filter(vault=vault):
        found += [bytes(key.wrapped_by_kek), bytes(key.wrapped_by_recovery)]
    for record in Record.objects.filter(owner_id=user_id):
        found += [bytes(record.ciphertext), bytes(record.wrapped_dek)]
    for file in File.objects.filter(owner_id=user_id):
        found += [bytes(file.wrapped_dek), bytes(file.sealed_filename)]
    for job in RotationJob.objects.filter(vault=vault):
        found.append(bytes(job.sealed_keys))
    return [value for value in found if len(value) >= 16]


@pytest.fixture
def filled_alice(transactional_db):
    alice = make_person("alice").setup_vault().unlock()
    for n in range(3):
        _note(alice, n)
    for n in range(2):
        _upload(alice, n)
    return alice


def test_it_answers_202_with_the_erasure_job(filled_alice):
    blob_keys = set(File.objects.filter(owner=filled_alice.user).values_list("blob_key", flat=True))
    response = _delete(filled_alice)
    assert response.status_code == 202, response.content
    job = ErasureJob.objects.get(pk=response.json()["erasure_job_id"])
    assert job.state == ErasureJob.State.PENDING
    assert set(job.pending_blob_keys) == blob_keys and job.blobs_total == 2


def test_the_database_holds_no_wrapped_key_ciphertext_or_row_of_the_user(filled_alice):
    user_id = filled_alice.user.pk
    # A rotation in its sealed-keys phase too: its key material must go with the rest.
    assert filled_alice.client.post("/api/v1/vault/rotations/", {"kind": "rewrap"}, format="json").status_code == 202
    secrets = _secret_bytes(user_id)
    assert len(secrets) >= 14
    before = postgres_dump()
    assert all(value.hex().encode() in before for value in secrets)  # the check can see them

    assert _delete(filled_alice).status_code == 202

    after = postgres_dump()
    for value in secrets:
        assert value.hex().encode() not in after
    assert not User.objects.filter(pk=user_id).exists()
    for model, column in ((Vault, "user_id"), (Record, "owner_id"), (File, "owner_id"), (Grant, "user_id"),
                          (AccessToken, "user_id"), (KeyHandle, "user_id")):
        assert not model.objects.filter(**{column: user_id}).exists(), model
    assert not VaultKey.objects.exists() and not RotationJob.objects.exists()


def test_it_refuses_a_wrong_password_with_403_and_audits_it(filled_alice):
    response = _delete(filled_alice, password="not my password")
    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_failed"
    assert User.objects.filter(pk=filled_alice.user.pk).exists() and VaultKey.objects.exists()
    event = AuditEvent.objects.filter(action="account.delete_reauth").latest("id")
    assert event.outcome == "failure" and event.subject_user_id == filled_alice.user.pk
    assert not ErasureJob.objects.exists()


def test_with_two_factor_sign_in_it_needs_a_code_too_and_a_recovery_code_serves_once(filled_alice):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    totp = give_totp(filled_alice.user)
    recovery = RecoveryCodes.activate(filled_alice.user)
    [used, *_] = recovery.get_unused_codes()
    assert recovery.validate_code(used)  # spent at a sign-in before
    for code in ("", "000000", used):
        response = _session(filled_alice).post(URL, {"password": PASSWORD, "confirmation": "alice", "code": code},
                                               format="json")
        assert response.status_code == 403 and response.json()["code"] == "second_factor_failed", code
    assert User.objects.filter(pk=filled_alice.user.pk).exists() and VaultKey.objects.exists()
    assert AuditEvent.objects.filter(action="account.delete", outcome="failure").count() == 3
    response = _session(filled_alice).post(URL, {"password": PASSWORD, "confirmation": "alice", "code": totp.now()},
                                           format="json")
    assert response.status_code == 202, response.content
    assert not User.objects.filter(pk=filled_alice.user.pk).exists() and not VaultKey.objects.exists()


@pytest.mark.parametrize("typed", ["", "Alice", " alice", "alice ", "bob"])
def test_it_refuses_a_wrong_confirmation_with_400_and_audits_it(filled_alice, typed):
    response = _delete(filled_alice, confirmation=typed)
    assert response.status_code == 400
    if typed:
        assert response.json()["code"] == "confirmation_mismatch"
        event = AuditEvent.objects.filter(action="account.delete").latest("id")
        assert event.outcome == "failure" and event.details == {"reason": "confirmation"}
    assert User.objects.filter(pk=filled_alice.user.pk).exists() and Record.objects.count() == 3


def test_it_refuses_api_tokens_whatever_their_scopes(filled_alice):
    response = filled_alice.client.post(URL, {"password": PASSWORD, "confirmation": "alice"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "session_required"
    assert User.objects.filter(pk=filled_alice.user.pk).exists()
    assert AuditEvent.objects.filter(action="token.scope_denied", outcome="denied").exists()


def test_it_needs_a_signed_in_session(db):
    response = APIClient().post(URL, {"password": PASSWORD, "confirmation": "alice"}, format="json")
    assert response.status_code in (401, 403)


def test_it_ends_tokens_and_unlock_sessions(filled_alice):
    user_id = filled_alice.user.pk
    assert cache_keys(f"unlock:{user_id}:*")
    assert filled_alice.client.get("/api/v1/records/").status_code == 200

    assert _delete(filled_alice).status_code == 202

    assert not cache_keys(f"unlock:{user_id}:*")
    assert filled_alice.client.get("/api/v1/records/").status_code == 401
    assert filled_alice.client.get("/api/v1/vault").status_code == 401
    assert not AccessToken.objects.filter(user_id=user_id).exists()


def test_it_ends_every_web_session(filled_alice):
    elsewhere = _session(filled_alice)
    assert elsewhere.get("/api/v1/accounts/tokens").status_code == 200
    here = _session(filled_alice)

    assert _delete(filled_alice, client=here).status_code == 202

    assert elsewhere.get("/api/v1/accounts/tokens").status_code in (401, 403)
    assert here.get("/api/v1/accounts/tokens").status_code in (401, 403)
    for session in Session.objects.all():
        assert session.get_decoded().get("_auth_user_id") != str(filled_alice.user.pk)


def test_apps_holding_grants_see_them_revoked(filled_alice):
    from sharing.services import app_approve
    from tests.sharing.conftest import RegisteredApp, create_grant, create_record, register

    response, box_key, sign_key = register()
    assert response.status_code == 201
    app = RegisteredApp(id=response.json()["id"], box_key=box_key, sign_key=sign_key)
    app_approve(app=app.row, actor=None)
    card = create_record(filled_alice, "bank_card", label="card")
    create_grant(filled_alice, app, [{"record_id": card["id"], "fields": ["holder"]}])
    assert len(app.fetch()) == 1

    assert _delete(filled_alice).status_code == 202

    assert app.fetch() == []
    assert not Grant.objects.exists()
    assert AuditEvent.objects.get(action="account.delete", outcome="success").details["grants_revoked"] == 1


def test_other_users_are_untouched(filled_alice):
    bob = make_person("bob").setup_vault().unlock()
    note = _note(bob, 7)
    file_id = _upload(bob, 7)
    bob_secrets = _secret_bytes(bob.user.pk)

    assert _delete(filled_alice).status_code == 202

    assert bob.client.get(f"/api/v1/records/{note}/?reveal=true").json()["data"]["text"] == "secret 7"
    response = bob.client.get(f"/api/v1/files/{file_id}/content")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    dump = postgres_dump()
    assert all(value.hex().encode() in dump for value in bob_secrets)
    assert bob.client.post("/api/v1/vault/lock").status_code == 204
    bob.unlock()


def test_the_audit_log_keeps_a_tombstone_without_personal_data(filled_alice):
    user_id, email = filled_alice.user.pk, filled_alice.user.email
    response = _delete(filled_alice)
    tombstone = AuditEvent.objects.get(action="account.delete", outcome="success")
    assert tombstone.subject_user_id == user_id
    assert tombstone.actor_id is None and tombstone.actor_label == "" and tombstone.ip_address is None
    assert (tombstone.target_kind, tombstone.target_id) == ("erasure_job", response.json()["erasure_job_id"])
    assert tombstone.details == {"records": 3, "files": 2, "grants_revoked": 0, "objects": 2, "web_sessions": 1}
    for event in AuditEvent.objects.filter(id__gte=tombstone.id):
        text = f"{event.actor_label} {event.target_id} {event.details}"
        assert "alice" not in text and email not in text


def test_a_plain_mail_tells_the_owner(filled_alice):
    mail.outbox.clear()
    assert _delete(filled_alice).status_code == 202
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Your Coffer account was deleted"
    assert "If you did not do this" in message.body
    assert filled_alice.pin not in message.body and filled_alice.recovery_code not in message.body
    assert filled_alice.token not in message.body and not message.alternatives


def test_an_account_without_a_vault_is_deleted_too(transactional_db):
    carol = make_person("carol")
    response = _delete(carol)
    assert response.status_code == 202
    assert not User.objects.filter(username="carol").exists()
    assert ErasureJob.objects.get(pk=response.json()["erasure_job_id"]).blobs_total == 0
