"""Accounts: Coffer's own password checks, sign-in bookkeeping and access tokens.

Sign-up, sign-in, email, password reset and second factors are django-allauth's
(docs/accounts.md); this module holds what allauth does not know: API tokens.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone

from audit.services import NO_SUBJECT, audit_record, client_ip
from audit.typed_names import typed_username_hash
from coffer.errors import DomainError
from notify.services import signin_device_remember

from .models import AccessToken
from .scopes import ALL_SCOPES
from .tokens import display_prefix, new_token, token_digest

User = get_user_model()


class AccountError(DomainError):
    pass


# The action the password check in progress audits under (accounts/adapters.py writes
# the failure row, since allauth's own sign-in form calls the adapter too).
password_check_action: ContextVar[str] = ContextVar("password_check_action", default="account.login")


def user_check_password(*, username: str, password: str, request=None, action: str = "token.login") -> User:
    """Checks credentials through allauth, with its rate limits per address and per account.

    Used where Coffer asks for the password itself: issuing an API token, lifting a
    PIN lock-out, deleting the account. Sign-in pages and the headless API are
    allauth's own. A failure is audited by the adapter with only a keyed hash of the
    typed name (audit/typed_names.py): people type passwords into the username field.
    """
    adapter = get_account_adapter(request)
    marker = password_check_action.set(action)
    try:
        user = adapter.authenticate(request, username=username, password=password)
    except DjangoValidationError:
        audit_record(action=action, outcome="failure", subject=_user_named(username), request=request,
                     details={"username_hmac": typed_username_hash(username), "reason": "rate_limited"})
        raise AccountError("too_many_attempts", "Too many failed attempts. Wait a few minutes, then try again.",
                           status=429) from None
    finally:
        password_check_action.reset(marker)
    if user is None:
        raise AccountError("invalid_credentials", "Wrong username or password.", status=401)
    audit_record(action=action, actor=user, request=request, target_kind="user", target_id=user.pk)
    return user


def _user_named(login: str) -> User | None:
    return (User.objects.filter(username__iexact=login).first()
            or User.objects.filter(email__iexact=login).first())


def user_sign_in_failed(*, login: str, request=None) -> None:
    """The audit row of a refused password: the typed name only as a keyed hash."""
    audit_record(action=password_check_action.get(), outcome="failure", subject=_user_named(login),
                 request=request, details={"username_hmac": typed_username_hash(login)})


def user_signed_in(*, user: User, request=None, action: str = "account.login") -> None:
    """Every completed sign-in: the web pages, the headless API, the admin, a token issued by password.

    A sign-in from a device the account has not used before mails its owner (notify/services.py).
    """
    audit_record(action=action, actor=user, request=request, target_kind="user", target_id=user.pk)
    signin_device_remember(user=user, request=request)


def token_login(*, username: str, password: str, request=None) -> User:
    """A token issued for a username and password: only to accounts that allauth would sign in
    with a password alone. An account with a second factor signs in through the headless API
    (password, then code or passkey) and asks for its token with that session.
    """
    user = user_check_password(username=username, password=password, request=request, action="token.login")
    if is_mfa_enabled(user):
        raise AccountError("second_factor_required",
                           "This account uses two-factor sign-in: sign in through /_allauth/app/v1/auth/login, "
                           "then ask for a token with the X-Session-Token it answers.", status=403)
    if not email_verified_enough(user):
        raise AccountError("email_unverified", "Verify your email address first: follow the link we sent.",
                           status=403)
    signin_device_remember(user=user, request=request)
    return user


def email_verified_enough(user: User) -> bool:
    """Whether the account may sign in and create its vault: a verified address, where required."""
    if settings.ACCOUNT_EMAIL_VERIFICATION != "mandatory":
        return True
    return EmailAddress.objects.filter(user=user, verified=True).exists()


# A flood of bad tokens writes at most one audit row per client address per window.
TOKEN_FAILURE_AUDIT_WINDOW_SECONDS = 60


def token_auth_failure_record(*, reason: str, access_token: AccessToken | None = None, request=None) -> bool:
    """Audit a refused token (unknown, malformed, expired, revoked, inactive user), rate-limited.

    Returns whether a row was written. Rows carry the token's id when it exists,
    never any of the presented text.
    """
    address = client_ip(request) or "unknown"
    if not cache.add(f"audit:token-failure:{address}", 1, timeout=TOKEN_FAILURE_AUDIT_WINDOW_SECONDS):
        return False
    audit_record(
        action="token.authenticate",
        outcome="failure",
        actor=None,
        subject=access_token.user if access_token is not None else NO_SUBJECT,
        request=request,
        target_kind="token" if access_token is not None else "",
        target_id=access_token.pk if access_token is not None else "",
        details={"reason": reason},
    )
    return True


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once, never stored
    access_token: AccessToken


def token_create(
    *, user: User, name: str, scopes: list[str], expires_at: datetime | None = None, request=None
) -> IssuedToken:
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown or not scopes:
        raise AccountError("invalid_scopes", f"Unknown or missing scopes: {', '.join(unknown)}", field="scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise AccountError("invalid_expiry", "The expiry must be in the future.", field="expires_at")
    token = new_token()
    access_token = AccessToken.objects.create(
        user=user,
        name=name,
        prefix=display_prefix(token),
        token_hash=token_digest(token),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    audit_record(
        action="token.create",
        actor=user,
        request=request,
        target_kind="token",
        target_id=access_token.pk,
        details={"name": name, "scopes": access_token.scopes},
    )
    return IssuedToken(token=token, access_token=access_token)


def token_revoke(*, access_token: AccessToken, actor=None, request=None) -> AccessToken:
    if access_token.revoked_at is None:
        access_token.revoked_at = timezone.now()
        access_token.save(update_fields=["revoked_at"])
    audit_record(
        action="token.revoke",
        actor=actor or access_token.user,
        subject=access_token.user,
        request=request,
        target_kind="token",
        target_id=access_token.pk,
    )
    return access_token


def second_factors_remove(*, user: User) -> int:
    """Every second factor of `user` (TOTP, security keys, passkeys, recovery codes), for an
    owner who lost them: audited by the admin action, mailed to the owner. Their web sign-ins
    end, so a session that passed the old factor does not outlive it. Returns how many."""
    from allauth.mfa.models import Authenticator
    from allauth.usersessions.models import UserSession

    from notify.mails import mail_second_factors_removed

    removed, _ = Authenticator.objects.filter(user=user).delete()
    if removed:
        for session in UserSession.objects.filter(user=user):
            session.end()
        mail_second_factors_removed(user=user, at=timezone.now())
    return removed
