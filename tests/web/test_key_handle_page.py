"""The Sharing page publishes, replaces and withdraws the user's public key handle."""

from rest_framework.test import APIClient

from sharing.models import KeyHandle


def test_publishing_replacing_and_withdrawing_the_handle(unlocked_web, alice):
    assert b"data-key-handle-none" in unlocked_web.get("/sharing/").content
    assert unlocked_web.post("/sharing/key-handle/", {"action": "rotate"}).status_code == 302
    first = KeyHandle.objects.get(user=alice.user).handle
    assert first.encode() in unlocked_web.get("/sharing/").content
    assert APIClient().get(f"/api/v1/keys/{first}").status_code == 200
    unlocked_web.post("/sharing/key-handle/", {"action": "rotate"})
    second = KeyHandle.objects.get(user=alice.user).handle
    assert second != first and APIClient().get(f"/api/v1/keys/{first}").status_code == 404
    unlocked_web.post("/sharing/key-handle/", {"action": "withdraw"})
    assert not KeyHandle.objects.filter(user=alice.user).exists()
    assert APIClient().get(f"/api/v1/keys/{second}").status_code == 404


def test_the_form_needs_its_csrf_token(unlocked_web):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies = unlocked_web.cookies
    assert client.post("/sharing/key-handle/", {"action": "rotate"}).status_code == 403
