"""GET /api/v1/users/{id}/keys: the published public keys. No authentication; rate-limited."""

import base64

from rest_framework.test import APIClient

from vault.models import Vault

from .conftest import keys_url


def test_anyone_can_read_a_users_public_keys(unlocked_alice):
    vault = Vault.objects.get(user=unlocked_alice.user)
    response = APIClient().get(keys_url(unlocked_alice.user.pk))
    assert response.status_code == 200
    assert response.json() == {
        "user_id": unlocked_alice.user.pk,
        "box_public_key": base64.b64encode(bytes(vault.box_public_key)).decode(),
        "sign_public_key": base64.b64encode(bytes(vault.sign_public_key)).decode(),
    }
    assert "max-age" in response.headers["Cache-Control"]


def test_a_bad_token_does_not_matter(unlocked_alice):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert client.get(keys_url(unlocked_alice.user.pk)).status_code == 200


def test_a_user_without_a_vault_answers_404(alice):
    assert APIClient().get(keys_url(alice.user.pk)).status_code == 404


def test_an_unknown_or_inactive_user_answers_404(unlocked_alice):
    assert APIClient().get(keys_url(999_999)).status_code == 404
    assert APIClient().get("/api/v1/users/abc/keys").status_code == 404
    unlocked_alice.user.is_active = False
    unlocked_alice.user.save()
    assert APIClient().get(keys_url(unlocked_alice.user.pk)).status_code == 404


def test_it_is_rate_limited_per_client(unlocked_alice, settings):
    settings.COFFER_SHARING_THROTTLE_RATES = {**settings.COFFER_SHARING_THROTTLE_RATES, "user_keys": "2/min"}
    codes = [APIClient().get(keys_url(unlocked_alice.user.pk)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
