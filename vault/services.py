"""The vault: PIN setup, unlock and lock, PIN change, recovery, lock-out (DESIGN §2, §4)."""

from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError as DbIntegrityError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from access.services import unlock_session_closed, unlock_session_record, unlock_session_touch
from accounts.services import email_verified_enough, user_check_password
from audit.services import audit_record
from coffer.errors import DomainError
from coffer.seams import seam
from notify.mails import mail_pin_changed, mail_recovery_code_replaced, mail_recovery_used
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.kdf import PROFILES, SALT_SIZE, KdfParams, derive_pin_key, normalize_pin
from vault.crypto.keys import derive_kek, new_key, new_recovery_code, recovery_private_key
from vault.crypto.session import VaultKeys
from vault.crypto.wrap import unwrap_key, unwrap_with_recovery, wrap_key, wrap_to_recovery

from .keyring import get_key_provider
from .locking import keyset_load, keyset_sync, vault_locked
from .models import Vault, VaultKey
from .pin_policy import WeakPin, validate_pin
from .unlock import (
    UnlockSession,
    session_carry_over,
    session_close,
    session_keys,
    session_open,
    session_opener_alive,
    session_replace_keys,
)

SERVER_SHARE_PURPOSE = "server-share"
KEK_WRAP_PURPOSE = "vault-key/kek"
RECOVERY_WRAP_PURPOSE = "vault-key/recovery"
BOX_KEY_PURPOSE = "user-key/x25519"
SIGN_KEY_PURPOSE = "user-key/ed25519"

# Argon2id at production cost takes 64 MiB a call: cap how many run at once per process.
_unlock_slots = threading.BoundedSemaphore(settings.COFFER_UNLOCK_CONCURRENCY)
UNLOCK_SLOT_WAIT_SECONDS = 10


class VaultError(DomainError):
    pass


class VaultLocked(VaultError):
    def __init__(self):
        super().__init__("vault_locked", "The vault is locked. Unlock it with your PIN first.", status=423)


def _changed_meanwhile() -> VaultError:
    return VaultError(
        "vault_changed",
        "The PIN or recovery code changed while this request ran. Unlock with the current PIN and try again.",
        status=409,
    )


def _random(n: int) -> bytes:
    return new_key()[:n]


def _profile() -> KdfParams:
    return PROFILES[settings.COFFER_KDF_PROFILE]


def _check_pin_policy(pin: str, field: str) -> None:
    try:
        validate_pin(pin)
    except WeakPin as exc:
        raise VaultError("weak_pin", str(exc), field=field) from None


def kek_context(user_id: int, version: int) -> Context:
    return Context(KEK_WRAP_PURPOSE, str(user_id), "", version)


def recovery_context(user_id: int, version: int) -> Context:
    return Context(RECOVERY_WRAP_PURPOSE, str(user_id), "", version)


def user_key_context(purpose: str, user_id: int, vk_version: int) -> Context:
    return Context(purpose, str(user_id), "", vk_version)


@dataclass(frozen=True)
class UserKeys:
    """The user's keypairs, wrapped for storage on the Vault row."""

    box_public_key: bytes
    sign_public_key: bytes
    wrapped_box_private_key: bytes
    wrapped_sign_private_key: bytes
    user_keys_vk_version: int

    def as_fields(self) -> dict:
        return dict(self.__dict__)


def user_keys_wrap(*, user_id: int, vault_key: bytes, vk_version: int, box_seed: bytes, sign_seed: bytes) -> UserKeys:
    """Wraps the two private key seeds under a vault key version; derives the public halves."""
    box_public = bytes(PrivateKey.from_seed(box_seed).public_key)
    sign_public = bytes(SigningKey(sign_seed).verify_key)
    return UserKeys(
        box_public_key=box_public,
        sign_public_key=sign_public,
        wrapped_box_private_key=wrap_key(vault_key, box_seed, user_key_context(BOX_KEY_PURPOSE, user_id, vk_version)),
        wrapped_sign_private_key=wrap_key(vault_key, sign_seed, user_key_context(SIGN_KEY_PURPOSE, user_id, vk_version)),
        user_keys_vk_version=vk_version,
    )


def _user_key_seeds(vault: Vault, keys: VaultKeys) -> tuple[bytes, bytes]:
    version = vault.user_keys_vk_version
    vault_key = keys.key(version)
    box_seed = unwrap_key(vault_key, bytes(vault.wrapped_box_private_key), user_key_context(BOX_KEY_PURPOSE, vault.user_id, version))
    sign_seed = unwrap_key(vault_key, bytes(vault.wrapped_sign_private_key), user_key_context(SIGN_KEY_PURPOSE, vault.user_id, version))
    return box_seed, sign_seed


def user_keys_open(*, vault: Vault, keys: VaultKeys) -> tuple[PrivateKey, SigningKey]:
    """The user's X25519 and Ed25519 private keys, from an unlocked vault."""
    box_seed, sign_seed = _user_key_seeds(vault, keys)
    return PrivateKey.from_seed(box_seed), SigningKey(sign_seed)


def user_keys_rewrap(*, vault: Vault, keys: VaultKeys, vault_key: bytes, vk_version: int) -> UserKeys:
    """The same keypairs, wrapped under another vault key version (rotation)."""
    box_seed, sign_seed = _user_key_seeds(vault, keys)
    return user_keys_wrap(user_id=vault.user_id, vault_key=vault_key, vk_version=vk_version,
                          box_seed=box_seed, sign_seed=sign_seed)


def _server_share(vault: Vault) -> bytes:
    share = get_key_provider().unwrap(
        vault.server_key_version,
        bytes(vault.wrapped_server_share),
        purpose=SERVER_SHARE_PURPOSE,
        subject=str(vault.user_id),
    )
    if len(share) != 32:  # a key wrap holds a 32-byte key (docs/format.md §6)
        raise IntegrityError()
    return share


_slot_holder = threading.local()


@contextmanager
def _argon2_slot():
    """Holds one of the process's Argon2id slots; re-entrant within a thread.

    PIN-checking services take it *before* counting the attempt, so a busy server
    answers 503 without spending one of the user's tries.
    """
    if getattr(_slot_holder, "held", False):
        yield
        return
    if not _unlock_slots.acquire(timeout=UNLOCK_SLOT_WAIT_SECONDS):
        raise VaultError(
            "unlock_busy", "Too many unlocks at once. Try again in a moment.", status=503,
            headers={"Retry-After": "2"},
        )
    _slot_holder.held = True
    try:
        yield
    finally:
        _slot_holder.held = False
        _unlock_slots.release()


def _derive(pin: str, salt: bytes, params: KdfParams, server_share: bytes, user_id: int) -> bytes:
    with _argon2_slot():
        pin_key = derive_pin_key(pin, salt, params)
    return derive_kek(pin_key, server_share, str(user_id))


@dataclass(frozen=True)
class _Credentials:
    salt: bytes
    params: KdfParams
    kek: bytes


def _new_credentials(pin: str, server_share: bytes, user_id: int) -> _Credentials:
    salt, params = _random(SALT_SIZE), _profile()
    return _Credentials(salt, params, _derive(pin, salt, params, server_share, user_id))


def _rewrap_all(vault: Vault, keys: dict[int, bytes], kek: bytes, recovery_public_key: bytes | None) -> None:
    for row in vault.keys.all():
        row.wrapped_by_kek = wrap_key(kek, keys[row.version], kek_context(vault.user_id, row.version))
        fields = ["wrapped_by_kek"]
        if recovery_public_key is not None:
            row.wrapped_by_recovery = wrap_to_recovery(
                recovery_public_key, keys[row.version], recovery_context(vault.user_id, row.version)
            )
            fields.append("wrapped_by_recovery")
        row.save(update_fields=fields)


# ---- setup ----


@dataclass(frozen=True)
class SetupResult:
    vault: Vault
    recovery_code: str  # shown once, never stored


def vault_setup(*, user, pin: str, request=None) -> SetupResult:
    if not email_verified_enough(user):
        raise VaultError("email_unverified", "Verify your email address before you create your vault.", status=403)
    _check_pin_policy(pin, "pin")
    if Vault.objects.filter(user=user).exists():
        raise VaultError("vault_exists", "This vault already has a PIN.", status=409)
    server_share = new_key()
    server_key_version, wrapped_server_share = get_key_provider().wrap(
        server_share, purpose=SERVER_SHARE_PURPOSE, subject=str(user.pk)
    )
    credentials = _new_credentials(pin, server_share, user.pk)
    recovery_code = new_recovery_code()
    recovery_pk = bytes(recovery_private_key(recovery_code, server_share, str(user.pk)).public_key)
    vault_key = new_key()
    user_keys = user_keys_wrap(user_id=user.pk, vault_key=vault_key, vk_version=1, box_seed=new_key(), sign_seed=new_key())
    try:
        with transaction.atomic():
            vault = Vault.objects.create(
                user=user,
                kdf_salt=credentials.salt,
                kdf_params=credentials.params.to_dict(),
                wrapped_server_share=wrapped_server_share,
                server_key_version=server_key_version,
                recovery_public_key=recovery_pk,
                recovery_issued_at=timezone.now(),
                **user_keys.as_fields(),
            )
            VaultKey.objects.create(
                vault=vault,
                version=1,
                wrapped_by_kek=wrap_key(credentials.kek, vault_key, kek_context(user.pk, 1)),
                wrapped_by_recovery=wrap_to_recovery(recovery_pk, vault_key, recovery_context(user.pk, 1)),
            )
    except DbIntegrityError:
        raise VaultError("vault_exists", "This vault already has a PIN.", status=409) from None
    audit_record(action="vault.setup", actor=user, request=request, target_kind="vault", target_id=vault.pk)
    return SetupResult(vault, recovery_code)


# ---- PIN attempts ----


# The doubling stops at a day: past a lock-out the count keeps growing, and the
# wait must stay a number a timestamp can hold.
MAX_BACKOFF_SECONDS = 24 * 3600


def backoff_seconds(failed_attempts: int) -> int:
    over = failed_attempts - settings.COFFER_PIN_BACKOFF_AFTER
    if over < 0:
        return 0
    return min(MAX_BACKOFF_SECONDS, settings.COFFER_PIN_BACKOFF_BASE_SECONDS * 2 ** min(over, 32))


def _retry_after(vault: Vault) -> int:
    return max(1, math.ceil((vault.backoff_until - timezone.now()).total_seconds()))


def _begin_attempt(user, request, action: str) -> Vault:
    """Count the attempt before the slow derivation, so concurrent guesses cannot beat the limit."""
    refusal = None
    with transaction.atomic():
        vault = Vault.objects.select_for_update().filter(user=user).first()
        if vault is None:
            raise VaultError("vault_unset", "Set a PIN first.", status=409)
        now = timezone.now()
        if vault.locked_out_at is not None:
            refusal = "locked_out"
        elif vault.backoff_until is not None and vault.backoff_until > now:
            refusal = "backoff"
        else:
            vault.failed_attempts += 1
            wait = backoff_seconds(vault.failed_attempts)
            vault.backoff_until = now + timedelta(seconds=wait) if wait else None
            if vault.failed_attempts >= settings.COFFER_PIN_LOCKOUT_AFTER:
                vault.locked_out_at = now
            vault.save(update_fields=["failed_attempts", "backoff_until", "locked_out_at"])
    if refusal is None:
        return vault
    # Audited outside the transaction above, so the event survives the refusal.
    audit_record(action=action, outcome="denied", actor=user, request=request,
                 target_kind="vault", target_id=vault.pk, details={"reason": refusal})
    if refusal == "locked_out":
        raise _locked_out()
    retry = _retry_after(vault)
    raise VaultError(
        "pin_backoff", f"Too many wrong PINs. Try again in {retry} seconds.", status=429,
        headers={"Retry-After": str(retry)}, extra={"retry_after": retry},
    )


def _locked_out() -> VaultError:
    return VaultError(
        "locked_out",
        "Too many wrong PINs: the vault is locked out. Re-enter your account password to try again.",
        status=423,
    )


def _attempt_failed(vault: Vault, user, request, action: str) -> VaultError:
    if vault.locked_out_at is not None:
        audit_record(action=action, outcome="failure", actor=user, request=request,
                     target_kind="vault", target_id=vault.pk, details={"attempt": vault.failed_attempts})
        audit_record(action="vault.lockout", outcome="denied", actor=user, request=request,
                     target_kind="vault", target_id=vault.pk)
        return _locked_out()
    audit_record(action=action, outcome="failure", actor=user, request=request,
                 target_kind="vault", target_id=vault.pk, details={"attempt": vault.failed_attempts})
    remaining = settings.COFFER_PIN_LOCKOUT_AFTER - vault.failed_attempts
    if vault.backoff_until is not None:
        retry = _retry_after(vault)
        return VaultError(
            "wrong_pin",
            f"Wrong PIN. Wait {retry} seconds before trying again; {remaining} tries left before lock-out.",
            status=429, headers={"Retry-After": str(retry)},
            extra={"attempts_remaining": remaining, "retry_after": retry},
        )
    return VaultError(
        "wrong_pin", f"Wrong PIN. {remaining} tries left before lock-out.", status=403,
        extra={"attempts_remaining": remaining},
    )


def _attempt_succeeded(vault: Vault, **extra_fields) -> None:
    updates = {"failed_attempts": 0, "backoff_until": None, "locked_out_at": None, **extra_fields}
    Vault.objects.filter(pk=vault.pk).update(**updates)
    vault.refresh_from_db()


def _request_token_id(request) -> int | None:
    """The API token a request authenticated with, if any: its unlock sessions end with it."""
    from accounts.models import AccessToken

    auth = getattr(request, "auth", None)
    return auth.pk if isinstance(auth, AccessToken) else None


def _open_with_pin(vault: Vault, pin: str) -> tuple[bytes, VaultKeys]:
    """Returns the server share and the vault keys, or raises IntegrityError for a wrong PIN."""
    server_share = _server_share(vault)
    params = KdfParams.from_dict(vault.kdf_params)
    kek = _derive(pin, bytes(vault.kdf_salt), params, server_share, vault.user_id)
    keys = VaultKeys(kek=kek)
    for row in vault.keys.all():
        keys.vault_keys[row.version] = unwrap_key(kek, bytes(row.wrapped_by_kek), kek_context(vault.user_id, row.version))
    if not keys.vault_keys:
        raise IntegrityError()
    return server_share, keys


# ---- unlock and lock ----


def _checked_pin(user, pin: str, request, action: str) -> tuple[Vault, bytes, VaultKeys]:
    """The PIN checked as an attempt (a wrong one counts towards the back-off), within the
    cap on concurrent Argon2id work: the vault as read, its server share and keys."""
    with _argon2_slot():
        vault = _begin_attempt(user, request, action)
        try:
            server_share, keys = _open_with_pin(vault, pin)
        except IntegrityError:
            raise _attempt_failed(vault, user, request, action) from None
    return vault, server_share, keys


def vault_unlock(*, user, pin: str, request=None) -> UnlockSession:
    vault, server_share, keys = _checked_pin(user, pin, request, "vault.unlock")
    # KDF upgrade: same vault keys, stronger PIN stretching, on this successful unlock.
    upgrade = _new_credentials(pin, server_share, user.pk) if KdfParams.from_dict(vault.kdf_params) != _profile() else None
    seam("vault.unlock.commit")
    # Every change to the set of key versions bumps key_set_version (vault/rotation), and the
    # keys were read after `vault` was: if the number is the same under the lock, so is the set.
    keys.key_set_version = vault.key_set_version
    with vault_locked(user_id=user.pk) as locked:
        if bytes(locked.kdf_salt) != bytes(vault.kdf_salt):
            raise _changed_meanwhile()
        try:
            keys = keyset_sync(vault=locked, keys=keys)  # the versions that exist now
        except IntegrityError:
            raise _changed_meanwhile() from None
        if upgrade is not None:
            _rewrap_all(locked, keys.vault_keys, upgrade.kek, None)
            keys.kek = upgrade.kek
            Vault.objects.filter(pk=locked.pk).update(kdf_salt=upgrade.salt, kdf_params=upgrade.params.to_dict())
            audit_record(action="vault.kdf_upgrade", actor=user, request=request, target_kind="vault",
                         target_id=locked.pk, details={"kdf": upgrade.params.to_dict()})
        # The attempt counter reset as _attempt_succeeded does, in one UPDATE: the row is held, so
        # the fields set here are the stored ones and need no read back.
        locked.failed_attempts, locked.backoff_until, locked.locked_out_at = 0, None, None
        locked.last_unlock_at = timezone.now()
        locked.save(update_fields=["failed_attempts", "backoff_until", "locked_out_at", "last_unlock_at"])
    session = session_open(vault=locked, keys=keys, token_id=_request_token_id(request))
    unlock_session_record(user=user, epoch=locked.unlock_epoch, unlock_secret=session.unlock_secret,
                          token_id=session.token_id, request=request)  # Devices and access
    audit_record(action="vault.unlock", actor=user, request=request, target_kind="vault", target_id=locked.pk)
    return session


def vault_get(*, user) -> Vault | None:
    return Vault.objects.filter(user=user).first()


def vault_keys(*, user, unlock_secret: str | None, request_token_id: int | None = None) -> VaultKeys:
    """The keys of an unlocked vault, or VaultLocked (423).

    The session's key set follows the database (the "unlock-session refresh" row of
    docs/rotation.md): a version added by a rotation is unwrapped with the session's
    KEK, a destroyed one is dropped. Writers re-check under the vault lock anyway;
    readers reload once through `keys.reload` when a row names a version they lack.
    A session opened with an API token ends when that token is revoked or expires.
    """
    vault = vault_get(user=user)
    if vault is None or not unlock_secret or vault.locked_out_at is not None:
        raise VaultLocked()
    found = session_keys(vault=vault, unlock_secret=unlock_secret)
    if found is None:
        raise VaultLocked()
    keys, session = found
    if not session_opener_alive(session=session, request_token_id=request_token_id):
        session_close(vault=vault, unlock_secret=unlock_secret)
        raise VaultLocked()
    unlock_session_touch(unlock_secret=unlock_secret)  # its last use, at most once a minute
    keys.reload = lambda stale: keyset_load(vault=vault_get(user=user), keys=stale)
    if keys.key_set_version == vault.key_set_version:
        return keys
    try:
        synced = keyset_load(vault=vault, keys=keys)
    except IntegrityError:
        # The KEK no longer opens the newest version (a KDF upgrade elsewhere): unlock again.
        session_close(vault=vault, unlock_secret=unlock_secret)
        raise VaultLocked() from None
    session_replace_keys(vault=vault, unlock_secret=unlock_secret, keys=synced, key_set_version=vault.key_set_version)
    return synced


def vault_lock(*, user, unlock_secret: str | None, request=None) -> None:
    vault = vault_get(user=user)
    if vault is not None and unlock_secret:
        session_close(vault=vault, unlock_secret=unlock_secret)
        unlock_session_closed(user_id=user.pk, unlock_secret=unlock_secret)
    audit_record(action="vault.lock", actor=user, request=request, target_kind="vault",
                 target_id=getattr(vault, "pk", ""))


def vault_lock_all(*, user, actor=None, request=None) -> None:
    """Ends every unlock session of this user at once: their cache entries become unreachable."""
    Vault.objects.filter(user=user).update(unlock_epoch=F("unlock_epoch") + 1)
    vault_id = Vault.objects.filter(user=user).values_list("pk", flat=True).first()
    audit_record(action="vault.lock_all", actor=actor or user, subject=user, request=request,
                 target_kind="vault", target_id=vault_id or "")


# ---- PIN change, recovery, re-authorisation ----


def vault_change_pin(*, user, pin: str, new_pin: str, unlock_secret: str | None = None, request=None) -> None:
    """Re-wraps every vault key version under a new KEK. O(key versions), not O(items).

    Every other unlock session of the vault ends; the caller's own (`unlock_secret`)
    carries over to the new PIN. The Argon2id work runs outside the vault lock; the
    commit re-reads the key versions under it, so a version a rotation added
    meanwhile is re-wrapped too, and a PIN or recovery that won the race wins.
    """
    _check_pin_policy(new_pin, "new_pin")
    if normalize_pin(new_pin) == normalize_pin(pin):
        raise VaultError("pin_unchanged", "The new PIN is the same as the current one. Choose another.", field="new_pin")
    vault, server_share, keys = _checked_pin(user, pin, request, "vault.pin_change")
    credentials = _new_credentials(new_pin, server_share, user.pk)
    seam("vault.pin_change.commit")
    with vault_locked(user_id=user.pk) as locked:
        if bytes(locked.kdf_salt) != bytes(vault.kdf_salt):
            raise _changed_meanwhile()
        try:
            current = keyset_load(vault=locked, keys=VaultKeys(kek=keys.kek))
        except IntegrityError:
            raise _changed_meanwhile() from None
        _rewrap_all(locked, current.vault_keys, credentials.kek, None)
        before = Vault(pk=locked.pk, user_id=locked.user_id, unlock_epoch=locked.unlock_epoch)
        _attempt_succeeded(
            locked, kdf_salt=credentials.salt, kdf_params=credentials.params.to_dict(), pin_changed_at=timezone.now(),
            unlock_epoch=F("unlock_epoch") + 1,
        )
    if unlock_secret:
        session_carry_over(
            vault_before=before, vault_after=locked, unlock_secret=unlock_secret,
            keys=VaultKeys(kek=credentials.kek, vault_keys=current.vault_keys, key_set_version=locked.key_set_version),
        )
    audit_record(action="vault.pin_change", actor=user, request=request, target_kind="vault", target_id=vault.pk)
    mail_pin_changed(user=user, at=timezone.now())  # outside the lock, after the commit


def vault_recover(*, user, recovery_code: str, new_pin: str, request=None) -> str:
    """Sets a new PIN with the recovery code, losing nothing, and issues a fresh code."""
    _check_pin_policy(new_pin, "new_pin")
    vault = vault_get(user=user)
    if vault is None:
        raise VaultError("vault_unset", "Set a PIN first.", status=409)
    server_share = _server_share(vault)
    try:
        private_key = recovery_private_key(recovery_code, server_share, str(user.pk))
        if bytes(private_key.public_key) != bytes(vault.recovery_public_key):
            raise IntegrityError()
    except IntegrityError:
        raise _recovery_refused(vault, user, request) from None
    credentials = _new_credentials(new_pin, server_share, user.pk)
    new_code = new_recovery_code()
    new_pk = bytes(recovery_private_key(new_code, server_share, str(user.pk)).public_key)
    seam("vault.recover.commit")
    try:
        with vault_locked(user_id=user.pk) as locked:
            if bytes(locked.recovery_public_key) != bytes(vault.recovery_public_key):
                raise IntegrityError()  # this code was used meanwhile: it is no longer valid
            # The versions that exist now, a rotation's newest included: each is sealed to the recovery key.
            keys = {
                row.version: unwrap_with_recovery(
                    private_key, bytes(row.wrapped_by_recovery), recovery_context(user.pk, row.version)
                )
                for row in locked.keys.all()
            }
            _rewrap_all(locked, keys, credentials.kek, new_pk)
            _attempt_succeeded(
                locked,
                kdf_salt=credentials.salt,
                kdf_params=credentials.params.to_dict(),
                recovery_public_key=new_pk,
                recovery_issued_at=timezone.now(),
                pin_changed_at=timezone.now(),
                unlock_epoch=F("unlock_epoch") + 1,  # every unlock session of the old PIN ends
            )
    except IntegrityError:
        raise _recovery_refused(vault, user, request) from None
    audit_record(action="vault.recover", actor=user, request=request, target_kind="vault", target_id=vault.pk)
    mail_recovery_used(user=user, at=timezone.now())  # outside the lock, after the commit
    return new_code


def vault_new_recovery_code(*, user, pin: str, request=None) -> str:
    """A fresh recovery code for someone who still knows the PIN (a lost or seen sheet).

    Every vault key version is sealed to the new code's key; the old code stops working
    at the commit. The PIN is checked like an unlock (a wrong one counts towards the
    back-off). The commit re-checks, under the vault lock, that neither the PIN nor the
    code changed meanwhile, and seals the versions that exist then, a rotation's newest
    included.
    """
    vault, server_share, keys = _checked_pin(user, pin, request, "vault.recovery_code_new")
    new_code = new_recovery_code()
    new_pk = bytes(recovery_private_key(new_code, server_share, str(user.pk)).public_key)
    seam("vault.recovery_code_new.commit")
    with vault_locked(user_id=user.pk) as locked:
        same_pin = bytes(locked.kdf_salt) == bytes(vault.kdf_salt)
        if not same_pin or bytes(locked.recovery_public_key) != bytes(vault.recovery_public_key):
            raise _changed_meanwhile()
        try:
            current = keyset_load(vault=locked, keys=VaultKeys(kek=keys.kek))
        except IntegrityError:
            raise _changed_meanwhile() from None
        _rewrap_all(locked, current.vault_keys, keys.kek, new_pk)
        _attempt_succeeded(locked, recovery_public_key=new_pk, recovery_issued_at=timezone.now())
    audit_record(action="vault.recovery_code_new", actor=user, request=request, target_kind="vault",
                 target_id=vault.pk)
    mail_recovery_code_replaced(user=user, at=timezone.now())  # outside the lock, after the commit
    return new_code


def _recovery_refused(vault: Vault, user, request) -> VaultError:
    audit_record(action="vault.recover", outcome="failure", actor=user, request=request,
                 target_kind="vault", target_id=vault.pk)
    return VaultError("invalid_recovery_code", "That recovery code is not valid for this vault.",
                      status=403, field="recovery_code")


def vault_reauthorize(*, user, password: str, request=None) -> None:
    """Lifts a PIN lock-out once the account password is re-entered.

    Only the lock-out: the count of wrong PINs and its back-off stay, so the next
    wrong PIN locks the vault again and every wait keeps doubling. The password
    buys one more try, never a fresh set of them. A right PIN, a recovery or an
    admin clears the count.
    """
    user_check_password(username=user.get_username(), password=password, request=request,
                        action="vault.reauthorize")
    Vault.objects.filter(user=user).update(locked_out_at=None)


def vault_clear_lockout(*, user, actor, request=None) -> bool:
    """An admin clears a PIN lock-out and backoff. False if there was nothing to clear."""
    vault = vault_get(user=user)
    if vault is None:
        raise VaultError("vault_unset", "This user has no vault.", status=409)
    before = {"locked_out": vault.locked_out_at is not None, "failed_attempts": vault.failed_attempts}
    _attempt_succeeded(vault)
    audit_record(action="vault.clear_lockout", actor=actor, subject=user, request=request,
                 target_kind="vault", target_id=vault.pk, details=before)
    return before["locked_out"] or before["failed_attempts"] > 0
