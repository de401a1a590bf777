"""One trusted-proxy rule for the audit log and the throttles (coffer/proxies.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from audit.models import AuditEvent
from coffer.proxies import client_address, trusted_networks

PROXIES = trusted_networks(["10.0.0.0/8", "fd00::/8"])


@pytest.mark.parametrize(("peer", "forwarded_for", "expected"), [
    ("203.0.113.5", None, "203.0.113.5"),
    ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # an untrusted peer names nobody
    ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
    ("10.0.0.2", "192.0.2.66, 198.51.100.1", "198.51.100.1"),  # the client's own claim is left of its address
    ("10.0.0.2", "198.51.100.1, 10.1.1.1", "198.51.100.1"),  # two proxies of ours
    ("10.0.0.2", "10.1.1.1", "10.1.1.1"),  # nothing but proxies: the last one
    ("10.0.0.2", "198.51.100.1, garbage", "10.0.0.2"),  # a hop we cannot read: stop at what we vouch for
    ("10.0.0.2", "", "10.0.0.2"),
    ("::ffff:10.0.0.2", "2001:db8::7", "2001:db8::7"),
    ("fd00::1", " 2001:db8::9 ", "2001:db8::9"),
])
def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy(peer, forwarded_for, expected):
    assert client_address(peer, forwarded_for, PROXIES) == expected


def test_a_malformed_proxy_setting_fails_loudly():
    with pytest.raises(ImproperlyConfigured):
        trusted_networks(["10.0.0.0/33"])
    with pytest.raises(ImproperlyConfigured):
        trusted_networks(["10.0.0.1/8"])  # host bits set: a typo, not a network


def _failed_login(**extra):
    return APIClient().post("/_allauth/app/v1/auth/login", {"username": "x", "password": "y"}, format="json", **extra)


def test_behind_a_trusted_proxy_the_audit_log_keeps_the_clients_address(db, settings):
    settings.COFFER_TRUSTED_PROXIES = ["127.0.0.0/8"]
    _failed_login(HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.7")
    assert AuditEvent.objects.get(action="account.login").ip_address == "198.51.100.7"


def test_without_trusted_proxies_the_audit_log_ignores_forwarded_for(db):
    _failed_login(HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert AuditEvent.objects.get(action="account.login").ip_address == "127.0.0.1"


TOO_MANY = "Too many failed login attempts"


def test_rate_limits_key_by_the_same_address_the_audit_log_keeps(db, settings):
    settings.COFFER_TRUSTED_PROXIES = ["127.0.0.0/8"]
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip"}
    first, second = "198.51.100.1", "198.51.100.2"
    for n in range(2):
        assert TOO_MANY not in _failed_login(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {first}").content.decode()
    assert TOO_MANY in _failed_login(HTTP_X_FORWARDED_FOR=f"192.0.2.9, {first}").content.decode()
    assert TOO_MANY not in _failed_login(HTTP_X_FORWARDED_FOR=second).content.decode()
    assert {e.ip_address for e in AuditEvent.objects.filter(action="account.login")} == {first, second}


def test_coffers_own_throttles_key_by_that_address_too(monkeypatch, db, settings):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min", "token": "2/min", "unlock": "2/min"})
    settings.COFFER_TRUSTED_PROXIES = ["127.0.0.0/8"]
    first, second = "198.51.100.1", "198.51.100.2"

    def token(forwarded_for):
        return APIClient().post("/api/v1/accounts/token", {}, format="json", HTTP_X_FORWARDED_FOR=forwarded_for)

    for n in range(2):
        token(f"192.0.2.{n}, {first}")
    assert token(f"192.0.2.9, {first}").status_code == 429
    assert token(second).status_code != 429


def test_the_old_proxy_count_setting_is_refused_at_start(tmp_path):
    from tests.project.test_settings import _manage

    result = _manage("check", DJANGO_SETTINGS_MODULE="coffer.settings.dev", COFFER_NUM_PROXIES="1",
                     DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode != 0 and "COFFER_TRUSTED_PROXIES" in result.stderr
