"""Admins sign in through allauth with their second factor; sign-ins and log-outs are audited."""

from django.contrib.auth import get_user_model

from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.support.second_factor import give_totp


def _admin(username="root"):
    return get_user_model().objects.create_superuser(username=username, email=f"{username}@example.com",
                                                     password=PASSWORD)


def test_the_admin_sign_in_is_allauths_with_the_second_factor_and_is_audited(client, db):
    codes = give_totp(_admin())
    page = client.get("/admin/", follow=True)
    # The admin's own password form is never shown: its log-in page sends people to allauth's.
    assert page.redirect_chain[-1] == ("/accounts/login/?next=%2Fadmin%2F", 302)
    step = client.post("/accounts/login/?next=/admin/", {"login": "root", "password": PASSWORD},
                       REMOTE_ADDR="198.51.100.7")
    assert step.status_code == 302 and step["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # the password alone opens nothing
    done = client.post("/accounts/2fa/authenticate/", {"code": codes.now()}, REMOTE_ADDR="198.51.100.7")
    assert done.status_code == 302 and done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    event = AuditEvent.objects.get(action="account.login")
    assert (event.outcome, event.actor_label, event.ip_address) == ("success", "root", "198.51.100.7")


def test_an_admin_without_a_second_factor_cannot_open_the_admin(client, db):
    client.force_login(_admin())
    for path in ("/admin/", "/admin/audit/auditevent/", "/admin/auth/user/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/2fa/", path
    assert b"second factor" in client.get("/accounts/2fa/").content


def test_a_wrong_second_factor_code_is_audited_and_signs_nobody_in(client, db):
    codes = give_totp(_admin())
    client.post("/accounts/login/", {"login": "root", "password": PASSWORD})
    wrong = str((int(codes.now()) + 1) % 1_000_000).zfill(6)
    client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert client.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(action="mfa.authenticate", outcome="failure").count() == 1


def test_a_logout_is_audited_and_locks_the_vault(alice, client):
    alice.setup_vault()
    client.force_login(alice.user)
    unlocked = client.post("/api/v1/vault/unlock", {"pin": alice.pin}, content_type="application/json")
    secret = unlocked.json()["unlock_secret"]
    assert client.get("/api/v1/records/", HTTP_X_VAULT_UNLOCK=secret).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert AuditEvent.objects.filter(action="account.logout", actor=alice.user).exists()
    assert AuditEvent.objects.filter(action="vault.lock", actor=alice.user).exists()
    client.force_login(alice.user)  # signed in again, the old unlock secret opens nothing
    assert client.get("/api/v1/records/", HTTP_X_VAULT_UNLOCK=secret).status_code == 423
