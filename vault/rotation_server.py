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
from django.db.models import Count

from audit.services import NO_SUBJECT, audit_record
from vault.crypto.errors import IntegrityError

from .keyring import get_key_provider
from .models import Vault
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
    provider = get_key_provider()
    counts = Vault.objects.values_list("server_key_version").annotate(n=Count("id")).order_by()
    return ServerKeyStatus(
        current_version=provider.current_version,
        keyring_versions=provider.versions,
        vaults_by_version={version: n for version, n in counts},
    )


@dataclass
class ServerKeyRotation:
    to_version: int
    rewrapped: int = 0
    failed_vault_ids: list[int] = field(default_factory=list)


def server_keys_rotate(*, batch_size: int = BATCH_SIZE, actor=None, request=None) -> ServerKeyRotation:
    """Re-wraps, in locked batches, every server share not under the current key. Idempotent."""
    provider = get_key_provider()
    result = ServerKeyRotation(to_version=provider.current_version)
    while True:
        with transaction.atomic():
            batch = list(
                Vault.objects.select_for_update()
                .exclude(server_key_version=result.to_version)
                .exclude(pk__in=result.failed_vault_ids)
                .order_by("pk")
                .only("pk", "user_id", "server_key_version", "wrapped_server_share")[:batch_size]
            )
            if not batch:
                break
            for vault in batch:
                subject = str(vault.user_id)
                try:
                    share = provider.unwrap(vault.server_key_version, bytes(vault.wrapped_server_share),
                                            purpose=SERVER_SHARE_PURPOSE, subject=subject)
                except IntegrityError:
                    result.failed_vault_ids.append(vault.pk)  # retired key or damaged row: left as is
                    continue
                version, wrapped = provider.wrap(share, purpose=SERVER_SHARE_PURPOSE, subject=subject)
                Vault.objects.filter(pk=vault.pk).update(wrapped_server_share=wrapped, server_key_version=version)
                result.rewrapped += 1
    audit_record(
        action="server_keys.rotate", outcome="failure" if result.failed_vault_ids else "success",
        actor=actor, subject=NO_SUBJECT, request=request, target_kind="server_keyring",
        target_id=result.to_version,
        details={"rewrapped": result.rewrapped, "failed_vault_ids": result.failed_vault_ids[:100]},
    )
    return result


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
