import json
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessToken
from accounts.tokens import token_digest
from audit.models import AuditEvent
from tests.conftest import PASSWORD

URL = "/api/v1/accounts/token"


def _create(username="alice", password=PASSWORD, **extra):
    body = {"username": username, "password": password, "name": "my app", "scopes": ["records:read"], **extra}
    return APIClient().post(URL, body, format="json")


def test_it_issues_a_token_shown_once_and_stored_only_as_a_hash(alice):
    response = _create()
    assert response.status_code == 201
    token = response.json()["token"]
    stored = AccessToken.objects.get(pk=response.json()["id"])
    assert stored.token_hash == token_digest(token)
    assert token not in str(AccessToken.objects.filter(pk=stored.pk).values().first())
    listed = alice.client.get("/api/v1/accounts/tokens").json()
    assert all("token" not in item for item in listed)
    assert AuditEvent.objects.filter(action="token.create", actor=alice.user, target_id=str(stored.pk)).exists()


def test_it_refuses_a_wrong_password_and_audits_it(alice):
    response = _create(password="wrong password here")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert AuditEvent.objects.filter(action="token.login", outcome="failure", subject_user_id=alice.user.pk).exists()


def test_it_refuses_unknown_scopes(alice):
    response = _create(scopes=["records:read", "root"])
    assert response.status_code == 400
    assert "scopes" in response.json()["fields"]


def test_a_token_authenticates_requests(alice):
    token = _create().json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/vault").status_code == 200


def test_a_revoked_token_no_longer_works_and_the_revocation_is_audited(alice):
    created = _create().json()
    response = alice.client.delete(f"/api/v1/accounts/tokens/{created['id']}")
    assert response.status_code == 204
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {created['token']}")
    assert client.get("/api/v1/vault").status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", target_id=str(created["id"])).exists()


def test_an_expired_token_no_longer_works(alice):
    created = _create(expires_at=(timezone.now() + timedelta(minutes=5)).isoformat()).json()
    AccessToken.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {created['token']}")
    response = client.get("/api/v1/vault")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_an_expiry_in_the_past_is_refused(alice):
    response = _create(expires_at=(timezone.now() - timedelta(minutes=5)).isoformat())
    assert response.status_code == 400
    assert "expires_at" in response.json()["fields"]


def test_another_users_token_answers_404_on_revoke(alice, bob):
    created = _create().json()
    assert bob.client.delete(f"/api/v1/accounts/tokens/{created['id']}").status_code == 404
    assert AccessToken.objects.get(pk=created["id"]).revoked_at is None


def test_a_token_without_vault_manage_cannot_list_or_revoke_tokens(alice):
    limited = alice.with_scopes("records:read")
    response = limited.get("/api/v1/accounts/tokens")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert AuditEvent.objects.filter(action="token.scope_denied", outcome="denied").exists()


def test_a_garbage_token_answers_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    response = client.get("/api/v1/vault")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_no_credentials_answers_401_with_a_stable_code(db):
    response = APIClient().get("/api/v1/vault")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_head_request_needs_the_same_scope_as_a_get(alice):
    alice.setup_vault()
    limited = alice.with_scopes("files:read")
    response = limited.head("/api/v1/accounts/tokens")
    assert response.status_code == 403
    assert alice.client.head("/api/v1/accounts/tokens").status_code == 200


def test_a_method_a_view_does_not_implement_answers_405_to_tokens(alice):
    limited = alice.with_scopes("records:read", "records:write", "files:read", "files:write")
    response = limited.put("/api/v1/accounts/tokens", {}, format="json")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS"


# ---- failed token authentication is audited, at most once a minute per address ----


def _get_with(token: str, ip: str = "198.51.100.20"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/vault", REMOTE_ADDR=ip)


def _failures():
    return list(AuditEvent.objects.filter(action="token.authenticate", outcome="failure").order_by("id"))


def test_a_bad_token_is_audited_without_its_text(db):
    assert _get_with("cof_not-a-real-token").status_code == 401
    [event] = _failures()
    assert (event.details, event.ip_address, event.subject_user_id) == ({"reason": "unknown"}, "198.51.100.20", None)
    assert "not-a-real-token" not in json.dumps(event.details) + event.target_id


def test_expired_and_revoked_tokens_are_audited_with_their_id_and_owner(alice):
    expired = _create(expires_at=(timezone.now() + timedelta(seconds=60)).isoformat()).json()
    AccessToken.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = _create().json()
    AccessToken.objects.filter(pk=revoked["id"]).update(revoked_at=timezone.now())
    assert _get_with(expired["token"], ip="198.51.100.21").status_code == 401
    assert _get_with(revoked["token"], ip="198.51.100.22").status_code == 401
    seen = [(e.details["reason"], e.target_id, e.subject_user_id) for e in _failures()]
    assert seen == [("expired", str(expired["id"]), alice.user.pk), ("revoked", str(revoked["id"]), alice.user.pk)]


def test_a_malformed_token_header_is_audited(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert client.get("/api/v1/vault").status_code == 401
    assert [e.details for e in _failures()] == [{"reason": "malformed"}]


def test_a_flood_of_bad_tokens_writes_one_row_per_address_per_minute(db):
    for n in range(30):
        assert _get_with(f"cof_flood-{n}").status_code == 401
    assert _get_with("cof_other", ip="198.51.100.99").status_code == 401
    assert [e.ip_address for e in _failures()] == ["198.51.100.20", "198.51.100.99"]


def test_a_good_token_writes_no_failure(alice):
    assert alice.client.get("/api/v1/vault").status_code == 200
    assert _failures() == []
