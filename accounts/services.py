"""Accounts: registration, password checks and access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
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


REGISTER_RECEIVED = (
    "Thanks. If that name was free, your account is ready: sign in. "
    "If it was not, we sent a note to the address you gave."
)


def user_register(*, username: str, email: str, password: str, request=None) -> User | None:
    """Create an account, or tell the existing account's owner by email: the caller cannot tell which.

    Both paths hash a password and send one email, so neither answer nor timing
    says whether the name or address was taken (docs/security.md §3.5). Returns the
    new user, or None; views show REGISTER_RECEIVED either way.
    """
    candidate = User(username=username, email=email)
    try:
        validate_password(password, candidate)
    except DjangoValidationError as exc:
        raise AccountError("weak_password", " ".join(exc.messages), field="password") from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        make_password(password)  # the cost create_user paid on the other path
        holder = User.objects.filter(email__iexact=email).first()
        mail_register_taken(email=holder.email if holder else email, address_taken=holder is not None)
        audit_record(action="account.register", outcome="failure", subject=holder, request=request,
                     details={"reason": "taken"})
        return None
    mail_register_welcome(user=user)
    audit_record(action="account.register", actor=user, request=request, target_kind="user", target_id=user.pk)
    return user


def mail_register_welcome(*, user: User) -> None:
    send_mail(
        "Your Coffer account",
        f"Your Coffer account {user.username} is ready. Sign in, then choose a PIN for your vault.",
        None, [user.email],
    )


def mail_register_taken(*, email: str, address_taken: bool) -> None:
    if address_taken:
        body = ("Someone, maybe you, tried to create a Coffer account with this address. "
                "It already has one: sign in, or reset your password. If it was not you, ignore this note.")
    else:
        body = ("Someone, maybe you, tried to create a Coffer account with this address, "
                "but the username chosen is taken. Sign up again with another name.")
    send_mail("Your Coffer sign-up", body, None, [email])


# Password checks that sign someone in, as opposed to re-authenticating someone signed in.
SIGN_IN_ACTIONS = frozenset({"account.login", "token.login"})


def user_check_password(*, username: str, password: str, request=None, action: str = "account.login") -> User:
    """Checks credentials and audits the attempt either way.

    A failure keeps only a keyed hash of the typed name (audit/typed_names.py):
    people type passwords into the username field. A sign-in from a device the
    account has not used before mails its owner (notify/services.py).
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        subject = User.objects.filter(username__iexact=username).first()
        audit_record(
            action=action,
            outcome="failure",
            subject=subject,
            request=request,
            details={"username_hmac": typed_username_hash(username)},
        )
        raise AccountError("invalid_credentials", "Wrong username or password.", status=401)
    audit_record(action=action, actor=user, request=request, target_kind="user", target_id=user.pk)
    if action in SIGN_IN_ACTIONS:
        signin_device_remember(user=user, request=request)
    return user


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
