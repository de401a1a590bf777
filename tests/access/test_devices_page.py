"""The Devices and access page: one list of web sign-ins, unlocked vaults and API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from access.models import UnlockSessionRecord
from access.services import LAST_USED_RESOLUTION
from accounts.models import AccessToken
from audit.models import AuditEvent
from tests.conftest import PIN
from vault.crypto.keys import unlock_session_id
from vault.services import vault_lock_all

from .conftest import FIREFOX, browser


def _app_unlocks(person, address: str = "192.0.2.50") -> str:
    """The app with Alice's token unlocks from `address`; returns its unlock secret."""
    client = APIClient(REMOTE_ADDR=address, HTTP_USER_AGENT="python-httpx/0.27")
    client.credentials(HTTP_AUTHORIZATION=f"Token {person.token}")
    response = client.post("/api/v1/vault/unlock", {"pin": PIN}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["unlock_secret"]


def _vault_state(person, unlock_secret: str) -> str:
    return person.with_secret(unlock_secret).get("/api/v1/vault").json()["state"]


def _end(client, kind: str, entry_id) -> object:
    return client.post("/account/", {"kind": kind, "id": str(entry_id)})


def test_it_lists_each_kind_with_address_device_and_last_use(alice, alices_laptop, alices_phone):
    _app_unlocks(alice, address="192.0.2.50")
    page = alices_laptop.get("/account/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Web sign-in", "Unlocked vault", "API token", "203.0.113.7", "198.51.100.23", "192.0.2.50",
                 "Firefox on Linux", "Safari on iOS", "python-httpx", "with the token tests"):
        assert text in html, text
    assert html.count("This device") == 2  # the laptop's sign-in and its unlocked vault
    assert "ago" in html  # last use


def test_it_never_shows_a_secret(alice, alices_laptop):
    app_secret = _app_unlocks(alice)
    html = alices_laptop.get("/account/").content.decode()
    for secret in (app_secret, alices_laptop.cookies[settings.COFFER_UNLOCK_COOKIE].value, alice.token,
                   alices_laptop.session.session_key):
        assert secret not in html


def test_ending_an_unlock_session_makes_its_secret_useless_and_leaves_another_unlocked(alice, alices_laptop):
    ended, kept = _app_unlocks(alice), _app_unlocks(alice)
    response = _end(alices_laptop, "unlock", unlock_session_id(ended))
    assert response.status_code == 302
    assert _vault_state(alice, ended) == "locked"
    assert _vault_state(alice, kept) == "unlocked"
    assert not UnlockSessionRecord.objects.filter(session_id=unlock_session_id(ended)).exists()
    assert AuditEvent.objects.filter(action="access.unlock_session_end", subject_user_id=alice.user.pk).exists()
    assert alices_laptop.get("/vault/unlock/").status_code == 302  # the laptop stays unlocked too


def test_the_unlock_session_route_ends_one_too(alice, alices_laptop):
    ended = _app_unlocks(alice)
    assert alices_laptop.post(f"/account/unlock-sessions/{unlock_session_id(ended)}/end/").status_code == 302
    assert _vault_state(alice, ended) == "locked"
    assert alices_laptop.get(f"/account/unlock-sessions/{unlock_session_id(ended)}/end/").status_code == 405


def test_revoking_a_token_locks_what_it_unlocked(alice, alices_laptop):
    app_secret = _app_unlocks(alice)
    token = AccessToken.objects.get(user=alice.user, name="tests")
    assert _end(alices_laptop, "token", token.pk).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert alice.with_secret(app_secret).get("/api/v1/vault").status_code == 401
    assert not UnlockSessionRecord.objects.filter(token=token).exists()
    assert 'value="token"' not in alices_laptop.get("/account/").content.decode()
    assert AuditEvent.objects.filter(action="token.revoke", target_id=str(token.pk)).exists()


def test_ending_another_web_session_signs_that_browser_out_and_locks_it(alice, alices_laptop):
    from allauth.usersessions.models import UserSession

    phone = browser(alice, address="198.51.100.23", user_agent=FIREFOX, unlock=True)
    phone_session = UserSession.objects.get(session_key=phone.session.session_key)
    phone_unlock = phone.cookies[settings.COFFER_UNLOCK_COOKIE].value
    assert _end(alices_laptop, "web", phone_session.pk).status_code == 302
    assert phone.get("/account/").status_code == 302  # to the sign-in page
    assert alices_laptop.get("/account/").status_code == 200
    assert _vault_state(alice, phone_unlock) == "locked"
    assert AuditEvent.objects.filter(action="access.web_session_end", target_id=str(phone_session.pk)).exists()


def test_ending_this_browsers_own_sign_in_signs_it_out(alice, alices_laptop):
    from allauth.usersessions.models import UserSession

    own = UserSession.objects.get(session_key=alices_laptop.session.session_key)
    response = _end(alices_laptop, "web", own.pk)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert alices_laptop.get("/account/").status_code == 302


def test_another_user_can_neither_see_nor_end_alices_entries(alice, bob, alices_laptop, alices_phone):
    from allauth.usersessions.models import UserSession

    app_secret = _app_unlocks(alice)
    bobs = browser(bob, address="192.0.2.99", user_agent=FIREFOX)
    html = bobs.get("/account/").content.decode()
    assert "203.0.113.7" not in html and "Unlocked vault" not in html
    phone_session = UserSession.objects.get(session_key=alices_phone.session.session_key)
    token = AccessToken.objects.get(user=alice.user, name="tests")
    for kind, entry_id in (("unlock", unlock_session_id(app_secret)), ("web", phone_session.pk), ("token", token.pk)):
        assert _end(bobs, kind, entry_id).status_code == 404
        assert bobs.post(f"/account/unlock-sessions/{unlock_session_id(app_secret)}/end/").status_code == 404
    assert _vault_state(alice, app_secret) == "unlocked"
    assert alices_phone.get("/account/").status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_unknown_kind_or_id_is_a_404(alices_laptop):
    assert _end(alices_laptop, "web", "x").status_code == 404
    assert _end(alices_laptop, "everything", "1").status_code == 404
    assert _end(alices_laptop, "unlock", "0" * 64).status_code == 404


def test_ending_needs_the_csrf_token(alice, alices_laptop):
    app_secret = _app_unlocks(alice)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice.user)
    assert _end(strict, "unlock", unlock_session_id(app_secret)).status_code == 403
    assert _vault_state(alice, app_secret) == "unlocked"


def test_ended_sessions_leave_the_list_and_their_rows_are_pruned(alice, alices_laptop):
    _app_unlocks(alice)
    assert UnlockSessionRecord.objects.filter(user=alice.user).count() == 2
    vault_lock_all(user=alice.user)
    assert "Unlocked vault" not in alices_laptop.get("/account/").content.decode()
    assert not UnlockSessionRecord.objects.filter(user=alice.user).exists()


def test_locking_removes_the_row(alice, alices_laptop):
    assert UnlockSessionRecord.objects.filter(user=alice.user).count() == 1
    assert alices_laptop.post("/vault/lock/").status_code == 302
    assert not UnlockSessionRecord.objects.filter(user=alice.user).exists()


def test_a_pin_change_keeps_the_callers_session_listed(alice):
    alice.setup_vault()
    from vault.services import vault_change_pin

    secret = _app_unlocks(alice)
    vault_change_pin(user=alice.user, pin=PIN, new_pin="739164", unlock_secret=secret)
    laptop = browser(alice, address="203.0.113.7", user_agent=FIREFOX)
    assert "Unlocked vault" in laptop.get("/account/").content.decode()
    assert UnlockSessionRecord.objects.get(user=alice.user).epoch == alice.user.vault.unlock_epoch


def test_last_use_is_written_at_most_once_a_minute(alice):
    alice.setup_vault()
    secret = _app_unlocks(alice)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    UnlockSessionRecord.objects.filter(user=alice.user).update(last_used_at=an_hour_ago)
    uses_the_keys = alice.with_secret(secret)
    assert uses_the_keys.get("/api/v1/records/").status_code == 200
    assert UnlockSessionRecord.objects.get(user=alice.user).last_used_at == an_hour_ago  # within the minute
    cache.delete(f"access:unlock-used:{unlock_session_id(secret)}")  # the minute has passed
    assert uses_the_keys.get("/api/v1/records/").status_code == 200
    assert UnlockSessionRecord.objects.get(user=alice.user).last_used_at > an_hour_ago
    assert LAST_USED_RESOLUTION == timedelta(minutes=1)


def test_after_a_password_reset_it_asks_to_review_tokens_until_told_done(alice, alices_laptop):
    from accounts.resets import password_reset_done

    password_reset_done(user=alice.user)
    laptop = browser(alice, address="203.0.113.7", user_agent=FIREFOX)
    assert "Your password was reset" in laptop.get("/account/").content.decode()
    assert laptop.post("/account/", {"action": "tokens_reviewed"}).status_code == 302
    assert "Your password was reset" not in laptop.get("/account/").content.decode()


def test_without_a_reset_there_is_no_review_notice(alices_laptop):
    assert "Your password was reset" not in alices_laptop.get("/account/").content.decode()


def test_a_session_whose_entry_expired_or_whose_token_was_revoked_is_pruned_and_the_rest_stay(alice, alices_laptop):
    app_secret = _app_unlocks(alice)
    other_secret = _app_unlocks(alice, address="192.0.2.51")
    assert UnlockSessionRecord.objects.filter(user=alice.user).count() == 3  # the laptop's own, and the app's two
    expired = UnlockSessionRecord.objects.get(session_id=unlock_session_id(app_secret))
    # Idle expiry: Redis drops the entry by itself, nothing touches the row.
    epoch = alice.user.vault.unlock_epoch
    cache.delete(f"unlock:{alice.user.pk}:{epoch}:{expired.session_id}")
    assert alices_laptop.get("/account/").content.decode().count('value="unlock"') == 2
    assert not UnlockSessionRecord.objects.filter(pk=expired.pk).exists()
    assert UnlockSessionRecord.objects.filter(session_id=unlock_session_id(other_secret)).exists()
    AccessToken.objects.filter(user=alice.user, name="tests").update(revoked_at=timezone.now())
    page = alices_laptop.get("/account/").content.decode()
    assert page.count('value="unlock"') == 1, page  # only the laptop's own is listed
    assert list(UnlockSessionRecord.objects.filter(user=alice.user).values_list("token", flat=True)) == [None]
    assert not UnlockSessionRecord.objects.filter(session_id=unlock_session_id(other_secret)).exists()
