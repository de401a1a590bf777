"""Published public keys: by an opaque handle the user shares (GET /api/v1/keys/{handle}),
or to an app with a live grant (GET /api/v1/apps/me/users/{id}/keys). Never by user id."""

import base64

from rest_framework.test import APIClient

from audit.models import AuditEvent
from vault.models import Vault

from .conftest import create_grant, keys_url, published_handle, signed_request


def _expected(person) -> dict:
    vault = Vault.objects.get(user=person.user)
    return {
        "user_id": person.user.pk,
        "box_public_key": base64.b64encode(bytes(vault.box_public_key)).decode(),
        "sign_public_key": base64.b64encode(bytes(vault.sign_public_key)).decode(),
    }


def test_anyone_with_the_handle_can_read_the_public_keys(unlocked_alice):
    handle = published_handle(unlocked_alice)
    assert len(handle) == 22
    response = APIClient().get(keys_url(handle))
    assert response.status_code == 200
    assert response.json() == _expected(unlocked_alice)
    assert "max-age" in response.headers["Cache-Control"]
    assert AuditEvent.objects.filter(action="sharing.key_handle.rotate", actor=unlocked_alice.user).exists()


def test_the_old_route_by_user_id_is_gone(unlocked_alice):
    published_handle(unlocked_alice)
    assert APIClient().get(f"/api/v1/users/{unlocked_alice.user.pk}/keys").status_code == 404


def test_a_new_handle_retires_the_old_one(unlocked_alice):
    old = published_handle(unlocked_alice)
    new = published_handle(unlocked_alice)
    assert new != old
    assert APIClient().get(keys_url(old)).status_code == 404
    assert APIClient().get(keys_url(new)).status_code == 200
    assert unlocked_alice.client.get("/api/v1/key-handle").json()["handle"] == new


def test_a_withdrawn_handle_answers_404(unlocked_alice):
    handle = published_handle(unlocked_alice)
    assert unlocked_alice.client.delete("/api/v1/key-handle").status_code == 204
    assert APIClient().get(keys_url(handle)).status_code == 404
    assert unlocked_alice.client.get("/api/v1/key-handle").status_code == 404


def test_every_miss_answers_the_same_404(unlocked_alice, bob):
    handle = published_handle(unlocked_alice)
    unknown = APIClient().get(keys_url("A" * 22))
    misses = [unknown, APIClient().get(keys_url("short")), APIClient().get(keys_url("%00" * 30))]
    unlocked_alice.user.is_active = False
    unlocked_alice.user.save()
    misses.append(APIClient().get(keys_url(handle)))
    assert {(r.status_code, r.content) for r in misses} == {(404, unknown.content)}


def test_a_user_without_a_vault_cannot_publish(bob):
    response = bob.client.post("/api/v1/key-handle")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_it_is_rate_limited_per_client(unlocked_alice, settings):
    handle = published_handle(unlocked_alice)
    settings.COFFER_SHARING_THROTTLE_RATES = {**settings.COFFER_SHARING_THROTTLE_RATES, "user_keys": "2/min"}
    codes = [APIClient().get(keys_url(handle)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_an_app_with_a_live_grant_reads_the_users_keys(unlocked_alice, app, alice_card):
    path = f"/api/v1/apps/me/users/{unlocked_alice.user.pk}/keys"
    assert signed_request("GET", path, sign_key=app.sign_key, app_id=app.id).status_code == 404
    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    response = signed_request("GET", path, sign_key=app.sign_key, app_id=app.id)
    assert response.status_code == 200 and response.json() == _expected(unlocked_alice)


def test_an_app_without_a_grant_from_the_user_gets_404(unlocked_alice, unlocked_bob, app, other_app, alice_card):
    create_grant(unlocked_alice, app, [{"record_id": alice_card["id"]}])
    for path in [f"/api/v1/apps/me/users/{unlocked_bob.user.pk}/keys", "/api/v1/apps/me/users/999999/keys"]:
        assert signed_request("GET", path, sign_key=app.sign_key, app_id=app.id).status_code == 404
    path = f"/api/v1/apps/me/users/{unlocked_alice.user.pk}/keys"
    assert signed_request("GET", path, sign_key=other_app.sign_key, app_id=other_app.id).status_code == 404
    assert APIClient().get(path).status_code in (401, 403)


def test_a_key_handle_never_starts_with_a_dash_which_a_command_line_would_read_as_an_option(monkeypatch):
    from sharing import key_handles

    drawn = iter(["-looks-like-an-option", "_fine-and-random"])
    monkeypatch.setattr(key_handles.secrets, "token_urlsafe", lambda n: next(drawn))
    assert key_handles._new_handle() == "_fine-and-random"
