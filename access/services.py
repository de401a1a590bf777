"""Writes for Devices and access: record unlock sessions, end any way into the account."""

from __future__ import annotations

from datetime import timedelta

from allauth.usersessions.internal.flows.sessions import end_sessions
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.utils import timezone

from accounts.models import AccessToken
from accounts.services import token_revoke
from audit.services import audit_record, client_ip
from notify.devices import device_label
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import unlock_session_id

from .models import UnlockSessionRecord
from .unlock_cache import unlock_entries_existing, unlock_entry_delete

# last_used_at moves at most this often; in between, a use costs one cache write, no query.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _web_session_of(request) -> UserSession | None:
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return None
    return UserSession.objects.filter(session_key=session.session_key).first()


def unlock_session_record(*, user, epoch: int, unlock_secret: str, token_id: int | None, request=None) -> None:
    """Called by vault_unlock once the session is in the cache. Prunes the user's dead rows."""
    unlock_sessions_prune(user=user, current_epoch=epoch)
    now = timezone.now()
    UnlockSessionRecord.objects.create(
        user=user,
        session_id=unlock_session_id(unlock_secret),
        epoch=epoch,
        opened_at=now,
        last_used_at=now,
        ip_address=client_ip(request),
        device_label=device_label(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:100],
        token_id=token_id,
        web_session=_web_session_of(request) if token_id is None and request is not None else None,
    )
    cache.set(_touched_key(unlock_session_id(unlock_secret)), 1, timeout=int(LAST_USED_RESOLUTION.total_seconds()))


def _touched_key(session_id: str) -> str:
    return f"access:unlock-used:{session_id}"


def unlock_session_touch(*, unlock_secret: str) -> None:
    """Called by vault_keys on each use of a live session."""
    try:
        session_id = unlock_session_id(unlock_secret)
    except IntegrityError:
        return
    if cache.add(_touched_key(session_id), 1, timeout=int(LAST_USED_RESOLUTION.total_seconds())):
        UnlockSessionRecord.objects.filter(session_id=session_id).update(last_used_at=timezone.now())


def _token_live(record: UnlockSessionRecord, now) -> bool:
    token = record.token
    return token is None or (token.revoked_at is None and (token.expires_at is None or token.expires_at > now))


def unlock_sessions_prune(*, user, current_epoch: int) -> list[UnlockSessionRecord]:
    """Deletes the rows whose session has ended by itself; returns the live ones: those whose
    cache entry is there under the vault's current epoch, and whose token (if any) is live."""
    records = list(UnlockSessionRecord.objects.filter(user=user).select_related("token"))
    cached = unlock_entries_existing(user_id=user.pk, epoch=current_epoch,
                                     session_ids=[record.session_id for record in records])
    now = timezone.now()
    live, dead = [], []
    for record in records:
        (live if record.session_id in cached and _token_live(record, now) else dead).append(record)
    if dead:
        UnlockSessionRecord.objects.filter(pk__in=[record.pk for record in dead]).delete()
    for record in live:
        if record.epoch != current_epoch:  # carried over by a PIN change
            record.epoch = current_epoch
            UnlockSessionRecord.objects.filter(pk=record.pk).update(epoch=current_epoch)
    return live


def _unlock_session_forget(record: UnlockSessionRecord, current_epoch: int | None) -> None:
    for epoch in {record.epoch, current_epoch} - {None}:
        unlock_entry_delete(user_id=record.user_id, epoch=epoch, session_id=record.session_id)
    record.delete()


def unlock_session_end(*, record: UnlockSessionRecord, current_epoch: int, request=None) -> None:
    """The session's keys leave the cache at once; its unlock secret opens nothing after."""
    _unlock_session_forget(record, current_epoch)
    audit_record(action="access.unlock_session_end", request=request, subject=record.user,
                 target_kind="unlock_session", target_id=record.pk)


def unlock_session_closed(*, user_id: int, unlock_secret: str) -> None:
    """Called by vault_lock: the row goes with the cache entry."""
    try:
        UnlockSessionRecord.objects.filter(user_id=user_id, session_id=unlock_session_id(unlock_secret)).delete()
    except IntegrityError:
        pass


def web_session_end(*, user_session: UserSession, current_epoch: int | None, request) -> None:
    """Signs that client out, and locks what it unlocked: an unlock session never outlives its sign-in."""
    for record in UnlockSessionRecord.objects.filter(web_session=user_session):
        _unlock_session_forget(record, current_epoch)
    audit_record(action="access.web_session_end", request=request, target_kind="web_session",
                 target_id=user_session.pk)
    end_sessions(request, [user_session])  # signs this request out too if it is the current one


def access_token_revoke(*, access_token: AccessToken, current_epoch: int | None, request=None) -> None:
    for record in UnlockSessionRecord.objects.filter(token=access_token):
        _unlock_session_forget(record, current_epoch)
    token_revoke(access_token=access_token, request=request)


def tokens_reviewed(*, user, request=None) -> None:
    """The owner has looked at their tokens after a password reset: the notice goes."""
    audit_record(action="access.tokens_reviewed", actor=user, request=request, target_kind="user", target_id=user.pk)

