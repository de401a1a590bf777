"""Reads for Devices and access: one list of web sign-ins, unlocked vaults and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from allauth.usersessions.models import UserSession
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import AccessToken
from audit.models import AuditEvent
from notify.devices import device_label
from vault.api.unlocking import unlock_secret_from
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import unlock_session_id
from vault.models import Vault

from .models import UnlockSessionRecord
from .services import unlock_sessions_prune

WEB, UNLOCK, TOKEN = "web", "unlock", "token"
KIND_LABELS = {WEB: "Web sign-in", UNLOCK: "Unlocked vault", TOKEN: "API token"}


@dataclass(frozen=True)
class AccessEntry:
    kind: str  # web, unlock or token
    id: str  # what ends it: a web session's row id, an unlock session's id, a token's id
    where: str | None  # the client address: of the last use (web, token), of the opening (unlock)
    device: str
    last_used_at: datetime | None
    started_at: datetime
    current: bool  # this very request's
    name: str = ""  # a token's name, or the token an unlock session was opened with
    scopes: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def current_epoch(*, user) -> int | None:
    return Vault.objects.filter(user=user).values_list("unlock_epoch", flat=True).first()


def _live_tokens(user):
    return AccessToken.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), user=user, revoked_at__isnull=True,
    )


def unlock_session_list(*, user) -> list[UnlockSessionRecord]:
    """The live ones; the rows of ended sessions are pruned on the way."""
    epoch = current_epoch(user=user)
    if epoch is None:
        return []
    return unlock_sessions_prune(user=user, current_epoch=epoch)


def unlock_session_get(*, user, session_id: str) -> UnlockSessionRecord:
    for record in unlock_session_list(user=user):
        if record.session_id == session_id:
            return record
    raise Http404


def web_session_get(*, user, web_session_id: int) -> UserSession:
    for session in UserSession.objects.purge_and_list(user):
        if session.pk == web_session_id:
            return session
    raise Http404


def live_token_get(*, user, token_id: int) -> AccessToken:
    token = _live_tokens(user).filter(pk=token_id).first()
    if token is None:
        raise Http404
    return token


def _current_unlock_session_id(request) -> str | None:
    unlock_secret = unlock_secret_from(request)
    if not unlock_secret:
        return None
    try:
        return unlock_session_id(unlock_secret)
    except IntegrityError:
        return None


def access_list(*, user, request) -> list[AccessEntry]:
    """Every live way into the account, most recently used first."""
    session = getattr(request, "session", None)
    current_session_key = session.session_key if session is not None else None
    current_token = request.auth if isinstance(getattr(request, "auth", None), AccessToken) else None
    current_unlock = _current_unlock_session_id(request)
    entries = [
        AccessEntry(
            kind=WEB, id=str(web.pk), where=web.ip, device=device_label(web.user_agent),
            last_used_at=web.last_seen_at, started_at=web.created_at,
            current=current_token is None and web.session_key == current_session_key,
        )
        for web in UserSession.objects.purge_and_list(user)
    ]
    entries += [
        AccessEntry(
            kind=UNLOCK, id=record.session_id, where=record.ip_address, device=record.device_label,
            last_used_at=record.last_used_at, started_at=record.opened_at,
            current=record.session_id == current_unlock, name=record.token.name if record.token else "",
        )
        for record in unlock_session_list(user=user)
    ]
    entries += [
        AccessEntry(
            kind=TOKEN, id=str(token.pk), where=token.last_used_ip, device=f"{token.prefix}…",
            last_used_at=token.last_used_at, started_at=token.created_at,
            current=current_token is not None and token.pk == current_token.pk,
            name=token.name, scopes=tuple(token.scopes),
        )
        for token in _live_tokens(user)
    ]
    return sorted(entries, key=lambda entry: entry.last_used_at or entry.started_at, reverse=True)


def tokens_need_review(*, user) -> bool:
    """A password reset since the owner last said they reviewed their tokens, and a live
    token from before that reset: the page asks them to look (docs/accounts.md)."""
    events = AuditEvent.objects.filter(subject_user_id=user.pk, outcome=AuditEvent.Outcome.SUCCESS)
    reset = events.filter(action="account.password_reset").order_by("-id").values_list("id", "created_at").first()
    if reset is None:
        return False
    reset_id, reset_at = reset
    if events.filter(action="access.tokens_reviewed", id__gt=reset_id).exists():
        return False
    return _live_tokens(user).filter(created_at__lt=reset_at).exists()
