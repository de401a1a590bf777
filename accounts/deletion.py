"""Deleting an account: crypto-erase at once, then delete the objects in the background.

One transaction, under the vault lock (vault/locking.py), deletes the user row and
with it, by cascade, the vault (server share, wrapped user private keys), every
vault key version (wrapped by the KEK and sealed to the recovery key), every
rotation job with its sealed keys and staged DEKs, every record (ciphertext and
wrapped DEK), every file row, every grant to an app, every API token and the
published key handle. From the commit on, a copy of the database holds nothing
that any PIN, recovery code or server key opens. The same transaction lists the
user's objects in an erasure job (erasure/), which a Celery task deletes from the
store afterwards. See docs/security.md "Deleting an account".

The audit log keeps its events (the chain is append-only) and gains one
`account.delete` event that names no person: the old user id as subject, the
erasure job as target, counts only, no address.
"""

from __future__ import annotations

from allauth.mfa.base.forms import ReauthenticateForm
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from erasure.models import ErasureJob
from erasure.services import erasure_job_create
from erasure.tasks import erasure_run
from uploads.services import upload_sessions_forget
from notify.mails import mail_account_deleted
from vault.locking import vault_locked
from vault.models import RotationItem, Vault

from .services import AccountError, user_check_password

User = get_user_model()


def account_delete(*, user, password: str, confirmation: str, code: str = "", request=None) -> ErasureJob:
    """Deletes `user`'s account and crypto-erases their vault; returns the erasure job.

    Re-authenticates with the account password (403 `reauthentication_failed`) and,
    when two-factor sign-in is on, a code from it (403 `second_factor_failed`: a TOTP
    code or an unused recovery code, checked by allauth and under its rate limit), and
    asks for the username typed exactly (400 `confirmation_mismatch`). Every refusal is
    audited.
    """
    if confirmation != user.username:
        audit_record(action="account.delete", outcome="failure", actor=user, request=request,
                     target_kind="user", target_id=user.pk, details={"reason": "confirmation"})
        raise AccountError("confirmation_mismatch", "Type your username exactly as it is to confirm.",
                           field="confirmation")
    try:
        user_check_password(username=user.username, password=password, request=request,
                            action="account.delete_reauth")
    except AccountError:
        raise AccountError("reauthentication_failed", "That is not your account password.", status=403,
                           field="password") from None
    if is_mfa_enabled(user) and not ReauthenticateForm(user=user, data={"code": code}).is_valid():
        audit_record(action="account.delete", outcome="failure", actor=user, request=request,
                     target_kind="user", target_id=user.pk, details={"reason": "second_factor"})
        raise AccountError("second_factor_failed", "Enter a current code from your authenticator app, "
                           "or an unused recovery code.", status=403, field="code")

    user_id, email = user.pk, user.email
    if Vault.objects.filter(user_id=user_id).exists():
        with vault_locked(user_id=user_id) as vault:
            job, counts = _erase(user_id=user_id, vault=vault)
    else:
        # No vault to lock. One created meanwhile is deleted by the cascade, which
        # waits for its row lock like any other writer.
        with transaction.atomic():
            job, counts = _erase(user_id=user_id, vault=None)
    _unlock_sessions_forget(user_id)
    mail_account_deleted(email=email)  # notify/mails.py: after the commit, a failure only logged
    return job


def _erase(*, user_id: int, vault: Vault | None) -> tuple[ErasureJob, dict[str, int]]:
    """Inside the transaction (and the vault lock when there is a vault)."""
    from files.models import File
    from records.models import Record
    from sharing.models import Grant, GrantScan

    owner = User.objects.select_for_update().get(pk=user_id)
    blob_keys = set(File.objects.filter(owner_id=user_id).values_list("blob_key", flat=True))
    # The copies of scans shared with apps: erased with the files they came from.
    blob_keys.update(GrantScan.objects.filter(grant__user_id=user_id).values_list("blob_key", flat=True))
    if vault is not None:
        # A rotation's new objects (not yet swapped in) and old ones (not yet deleted).
        for new_key, old_key in RotationItem.objects.filter(job__vault=vault).values_list(
            "new_blob_key", "old_blob_key"
        ):
            blob_keys.update(key for key in (new_key, old_key) if key)
    counts = {
        "records": Record.objects.filter(owner_id=user_id).count(),
        "files": File.objects.filter(owner_id=user_id).count(),
        "grants_revoked": Grant.objects.filter(user_id=user_id, revoked_at__isnull=True).count(),
        "objects": len(blob_keys),
    }
    web_sessions = _web_sessions_of(user_id)
    Session.objects.filter(session_key__in=web_sessions).delete()
    counts["web_sessions"] = len(web_sessions)
    job = erasure_job_create(blob_keys=blob_keys)
    upload_sessions_forget(owner_id=user_id)  # open resumable uploads' parts, once this commits
    # Grants first: apps stop seeing them, and the records' post_delete signal then
    # finds none to revoke one by one (each with an event naming the user).
    Grant.objects.filter(user_id=user_id).delete()
    # The cascade: vault, vault keys, rotation jobs and items, records, files, grants,
    # tokens, key handle. Audit events keep their actor_id (no constraint, no cascade).
    owner.delete()
    audit_record(action="account.delete", actor=None, subject=user_id, target_kind="erasure_job",
                 target_id=job.pk, details=counts)
    transaction.on_commit(lambda: erasure_run.delay(str(job.pk)))
    return job, counts


def _web_sessions_of(user_id: int) -> list[str]:
    # Sessions are signed blobs, not indexed by user: read the live ones.
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user_id):
            keys.append(session.session_key)
    return keys


def _unlock_sessions_forget(user_id: int) -> None:
    """Drops the user's unlock entries from the cache now rather than at their idle expiry.

    They were unusable from the commit on (no vault row to open them against, and
    nothing left that their keys would open); this only removes the bytes.
    """
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:
        return  # not Redis (local memory under `make run`): entries age out by their TTL
    redis = client(write=True)
    pattern = cache.make_key(f"unlock:{user_id}:") + "*"
    keys = list(redis.scan_iter(match=pattern))
    if keys:
        redis.delete(*keys)
