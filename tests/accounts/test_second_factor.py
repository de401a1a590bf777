"""Two-factor sign-in through allauth: a TOTP code after the password, a recovery code that
serves once, and turning the factor off needs the password again and mails the owner."""

import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.support.second_factor import give_totp


def _password_step(client: Client) -> None:
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in


def test_the_password_alone_is_not_enough_and_the_code_completes_the_sign_in(alice):
    totp = give_totp(alice.user)
    client = Client()
    _password_step(client)
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="mfa.authenticate", outcome="failure").count() == 1
    assert client.post("/accounts/2fa/authenticate/", {"code": totp.now()}).status_code == 302
    assert client.session["_auth_user_id"] == str(alice.user.pk)


def test_a_recovery_code_signs_in_once_and_is_refused_the_second_time(alice):
    give_totp(alice.user)
    [code, *_] = RecoveryCodes.activate(alice.user).get_unused_codes()
    first = Client()
    _password_step(first)
    assert first.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert first.session["_auth_user_id"] == str(alice.user.pk)
    second = Client()
    _password_step(second)
    assert second.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200
    assert "_auth_user_id" not in second.session


def test_the_totp_secret_is_stored_sealed_never_in_the_clear(alice):
    totp = give_totp(alice.user)
    stored = Authenticator.objects.get(user=alice.user, type=Authenticator.Type.TOTP).data["secret"]
    assert stored.startswith("sealed:") and totp.secret not in stored


def test_turning_totp_off_needs_the_password_again_is_audited_and_mails_the_owner(smtp_mail, alice):
    EmailAddress.objects.create(user=alice.user, email=alice.user.email, verified=True, primary=True)
    totp: pyotp.TOTP = give_totp(alice.user)
    client = Client()
    _password_step(client)
    assert client.post("/accounts/2fa/authenticate/", {"code": totp.now()}).status_code == 302
    first = client.post("/accounts/2fa/totp/deactivate/")
    assert first.status_code == 302 and first["Location"].startswith("/accounts/reauthenticate/")
    assert Authenticator.objects.filter(user=alice.user, type=Authenticator.Type.TOTP).exists()
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=alice.user, type=Authenticator.Type.TOTP).exists()
    assert AuditEvent.objects.filter(action="mfa.remove", actor=alice.user).count() == 1
    mails = [m for m in smtp_mail.messages() if m.recipients == [alice.user.email]]
    assert any("deactivated" in m.subject.lower() or "deactivated" in m.body.lower() for m in mails), \
        [m.subject for m in mails]


def test_a_code_of_the_step_before_is_taken_once_and_one_two_steps_old_never(alice, time_machine):
    """MFA_TOTP_TOLERANCE = 1: a code typed as its 30 seconds end still signs in when it
    arrives; the same code a second time, and a code of two steps ago, do not. The clock
    stands still mid-step, so no step ends while the test runs."""
    import time

    now = (int(time.time()) // 30) * 30 + 15
    time_machine.move_to(now, tick=False)
    totp = give_totp(alice.user)
    previous, stale = totp.at(now - 30), totp.at(now - 60)
    for code, taken in ((stale, False), (previous, True), (previous, False)):
        client = Client()
        _password_step(client)
        response = client.post("/accounts/2fa/authenticate/", {"code": code})
        assert (response.status_code == 302) is taken, code
        assert ("_auth_user_id" in client.session) is taken
