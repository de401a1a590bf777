"""The key checks: every wrap names a vault key version that exists, every server share
opens with the configured keyring, and every rotation job can still go on.

Version checks are anti-joins that PostgreSQL runs; only the wrong ids come back.
Shares and job keys are opened one at a time and dropped at once: nothing opened is
kept, logged or reported.
"""

from __future__ import annotations

import struct

from django.db.models import Exists, OuterRef

from files.models import File
from records.models import Record
from vault.crypto.errors import IntegrityError
from vault.keyring import get_key_provider
from vault.models import RotationItem, RotationJob, Vault, VaultKey
from vault.rotation.material import open_job_keys
from vault.services import SERVER_SHARE_PURPOSE

from .report import CheckResult, ConsistencyReport


def _flag_all(result: CheckResult, queryset, *, batch: int) -> None:
    for item_id in queryset.order_by().values_list("pk", flat=True).iterator(chunk_size=batch):
        result.flag(item_id)


def _version_exists(*, user_field: str, version_field: str) -> Exists:
    return Exists(VaultKey.objects.filter(vault__user_id=OuterRef(user_field), version=OuterRef(version_field)))


def check_key_versions(report: ConsistencyReport, *, batch: int) -> None:
    for name, model in (("record_key_version", Record), ("file_key_version", File)):
        result = report[name]
        result.checked = model.objects.count()
        orphans = model.objects.exclude(_version_exists(user_field="owner_id", version_field="vault_key_version"))
        _flag_all(result, orphans, batch=batch)
    result = report["user_keys_key_version"]
    result.checked = Vault.objects.count()
    _flag_all(result, Vault.objects.exclude(_version_exists(user_field="user_id", version_field="user_keys_vk_version")),
              batch=batch)


def _share_opens(provider, vault_user_id: int, version: int, wrapped: bytes) -> bool:
    try:
        provider.unwrap(version, bytes(wrapped), purpose=SERVER_SHARE_PURPOSE, subject=str(vault_user_id))
    except IntegrityError:
        return False
    return True


def check_server_shares(report: ConsistencyReport, *, batch: int) -> None:
    provider, result = get_key_provider(), report["server_share_opens"]
    rows = Vault.objects.order_by().values_list("pk", "user_id", "server_key_version", "wrapped_server_share")
    for vault_id, user_id, version, wrapped in rows.iterator(chunk_size=batch):
        result.checked += 1
        if not _share_opens(provider, user_id, version, wrapped):
            result.flag(vault_id)


def _job_keys_open(job: RotationJob) -> bool:
    try:
        open_job_keys(str(job.pk), job.sealed_keys_server_version, bytes(job.sealed_keys))
    except (IntegrityError, struct.error):
        return False
    return True


def _job_is_sound(job: RotationJob) -> bool:
    if job.state == RotationJob.State.RUNNING:
        return _job_keys_open(job)
    if job.state == RotationJob.State.FAILED:
        if job.resumable:
            return _job_keys_open(job)
        # Closed: a newer job took over its items, so none is left open.
        return not RotationItem.objects.filter(job=job).exclude(state=RotationItem.State.DONE).exists()
    # Done: its key material ended with it.
    return not job.sealed_keys


def check_rotation_jobs(report: ConsistencyReport, *, batch: int) -> None:
    result = report["rotation_job_state"]
    jobs = RotationJob.objects.order_by().only("pk", "state", "sealed_keys", "sealed_keys_server_version")
    for job in jobs.iterator(chunk_size=batch):
        result.checked += 1
        if not _job_is_sound(job):
            result.flag(job.pk)
