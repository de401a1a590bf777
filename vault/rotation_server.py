"""Server keyring rotation: every vault's server share S_u re-wrapped under the current key.

Add a new key version to COFFER_SERVER_KEYS (it becomes current), run this, and
remove the old version only once `server_keys_status()` shows no vault on it.
No user action is needed: S_u itself does not change, only its wrapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from celery import shared_task
from django.core import checks
from django.db import DatabaseError, transaction
from django.db.models import Count, Q

from audit.services import NO_SUBJECT, audit_record
from vault.crypto.errors import IntegrityError

from .keyring import get_key_provider
from .models import RotationJob, Vault
from .rotation.material import PURPOSE as JOB_KEYS_PURPOSE
from .services import SERVER_SHARE_PURPOSE

BATCH_SIZE = 200


@dataclass(frozen=True)
class ServerKeyStatus:
    current_version: int
    keyring_versions: list[int]
    vaults_by_version: dict[int, int]

    @property
    def pending(self) -> int:
        """Vaults still wrapped under an older key than the current one."""
        return sum(n for v, n in self.vaults_by_version.items() if v != self.current_version)

    @property
    def on_retired_versions(self) -> dict[int, int]:
        """Vaults wrapped under a version the keyring no longer holds: they cannot be opened."""
        return {v: n for v, n in self.vaults_by_version.items() if v not in self.keyring_versions}


def server_keys_status() -> ServerKeyStatus:
    """Vaults per server key version; a rotation job's sealed keys count as their vault's
    (they are the same kind of secret, and retiring their version would strand the job)."""
    provider = get_key_provider()
    by_version: dict[int, int] = {}
    for version, n in Vault.objects.values_list("server_key_version").annotate(n=Count("id")).order_by():
        by_version[version] = by_version.get(version, 0) + n
    jobs = (RotationJob.objects.exclude(sealed_keys=b"").exclude(sealed_keys_server_version=provider.current_version)
            .values_list("sealed_keys_server_version").annotate(n=Count("id")).order_by())
    for version, n in jobs:
        by_version[version] = by_version.get(version, 0) + n
    return ServerKeyStatus(
        current_version=provider.current_version,
        keyring_versions=provider.versions,
        vaults_by_version=by_version,
    )


@dataclass
class ServerKeyRotation:
    to_version: int
    rewrapped: int = 0
    failed_vault_ids: list[int] = field(default_factory=list)


def server_keys_rotate(*, batch_size: int = BATCH_SIZE, actor=None, request=None) -> ServerKeyRotation:
    """Re-wraps, in locked batches, every server share not under the current key, and
    every rotation job's sealed keys, under each vault's row lock (the one lock of
    vault.locking; batches lock vaults in id order, so they never deadlock). Idempotent."""
    provider = get_key_provider()
    result = ServerKeyRotation(to_version=provider.current_version)
    stale_jobs = RotationJob.objects.exclude(sealed_keys=b"").exclude(sealed_keys_server_version=result.to_version)
    while True:
        with transaction.atomic():
            batch = list(
                Vault.objects.select_for_update()
                .filter(Q(server_key_version__lt=result.to_version) | Q(server_key_version__gt=result.to_version)
                        | Q(pk__in=stale_jobs.values("vault_id")))
                .exclude(pk__in=result.failed_vault_ids)
                .order_by("pk")
                .only("pk", "user_id", "server_key_version", "wrapped_server_share")[:batch_size]
            )
            if not batch:
                break
            for vault in batch:
                try:
                    _rewrap_vault(provider, vault, stale_jobs.filter(vault_id=vault.pk))
                except IntegrityError:
                    result.failed_vault_ids.append(vault.pk)  # retired key or damaged row: left as is
                    continue
                result.rewrapped += 1
    audit_record(
        action="server_keys.rotate", outcome="failure" if result.failed_vault_ids else "success",
        actor=actor, subject=NO_SUBJECT, request=request, target_kind="server_keyring",
        target_id=result.to_version,
        details={"rewrapped": result.rewrapped, "failed_vault_ids": result.failed_vault_ids[:100]},
    )
    return result


def _rewrap_vault(provider, vault: Vault, stale_jobs) -> None:
    """Both wraps of one vault move, or neither (IntegrityError rolls back to the batch's savepoint)."""
    with transaction.atomic():
        subject = str(vault.user_id)
        if vault.server_key_version != provider.current_version:
            share = provider.unwrap(vault.server_key_version, bytes(vault.wrapped_server_share),
                                    purpose=SERVER_SHARE_PURPOSE, subject=subject)
            version, wrapped = provider.wrap(share, purpose=SERVER_SHARE_PURPOSE, subject=subject)
            Vault.objects.filter(pk=vault.pk).update(wrapped_server_share=wrapped, server_key_version=version)
        for job in stale_jobs.select_for_update():
            material = provider.unwrap(job.sealed_keys_server_version, bytes(job.sealed_keys),
                                       purpose=JOB_KEYS_PURPOSE, subject=str(job.id))
            version, sealed = provider.wrap(material, purpose=JOB_KEYS_PURPOSE, subject=str(job.id))
            RotationJob.objects.filter(pk=job.pk).update(sealed_keys=sealed, sealed_keys_server_version=version)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def server_keys_rotate_task(actor_id: int | None = None) -> None:
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    server_keys_rotate(actor=actor)


@checks.register(checks.Tags.database)
def check_server_key_versions(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check --database default`: vaults on retired or superseded server keys."""
    if not databases:
        return []
    try:
        status = server_keys_status()
    except DatabaseError:  # `migrate` runs database checks before the tables exist
        return []
    found: list[checks.CheckMessage] = []
    for version, count in sorted(status.on_retired_versions.items()):
        found.append(checks.Error(
            f"{count} vault(s) are wrapped under server key v{version}, which the keyring no longer holds.",
            hint=f"Put v{version} back into COFFER_SERVER_KEYS and run manage.py rotate_server_keys.",
            id="coffer.E101",
        ))
    superseded = status.pending - sum(status.on_retired_versions.values())
    if superseded:
        found.append(checks.Warning(
            f"{superseded} vault(s) are still wrapped under an older server key than v{status.current_version}.",
            hint="Run manage.py rotate_server_keys before retiring old keys.",
            id="coffer.W101",
        ))
    return found
