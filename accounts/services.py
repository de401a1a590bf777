"""Accounts: registration, password checks and access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from coffer.errors import DomainError

from .models import AccessToken
from .scopes import ALL_SCOPES
from .tokens import display_prefix, new_token, token_digest

User = get_user_model()


class AccountError(DomainError):
    pass


def user_register(*, username: str, email: str, password: str, request=None) -> User:
    candidate = User(username=username, email=email)
    try:
        validate_password(password, candidate)
    except DjangoValidationError as exc:
        raise AccountError("weak_password", " ".join(exc.messages), field="password") from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        audit_record(action="account.register", outcome="failure", request=request, details={"reason": "taken"})
        raise AccountError("username_taken", "That username is taken.", field="username", status=409) from None
    audit_record(action="account.register", actor=user, request=request, target_kind="user", target_id=user.pk)
    return user


def user_check_password(*, username: str, password: str, request=None, action: str = "account.login") -> User:
    """Checks credentials and audits the attempt either way."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        subject = User.objects.filter(username=username).first()
        audit_record(
            action=action,
            outcome="failure",
            subject=subject,
            request=request,
            details={"username": username[:150]},
        )
        raise AccountError("invalid_credentials", "Wrong username or password.", status=401)
    audit_record(action=action, actor=user, request=request, target_kind="user", target_id=user.pk)
    return user


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
