from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessToken


def _call_from(person, address: str) -> None:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    assert client.get("/api/v1/vault").status_code == 200


def test_a_token_records_the_address_of_its_last_use(alice):
    _call_from(alice, "198.51.100.4")
    token = AccessToken.objects.get(user=alice.user, name="tests")
    assert token.last_used_ip == "198.51.100.4" and token.last_used_at is not None


def test_the_address_moves_with_last_use_at_most_once_a_minute(alice):
    _call_from(alice, "198.51.100.4")
    _call_from(alice, "198.51.100.5")
    token = AccessToken.objects.get(user=alice.user, name="tests")
    assert token.last_used_ip == "198.51.100.4"
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    _call_from(alice, "198.51.100.5")
    token.refresh_from_db()
    assert token.last_used_ip == "198.51.100.5"
