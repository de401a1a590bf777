"""Reading files' metadata. Every lookup goes through the owner; a foreign id is a 404."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from coffer.lookups import parse_uuid
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys

from .errors import FileNotFound
from .events import file_integrity_failure
from .models import File
from .sealing import open_filename, unwrap_dek


@dataclass(frozen=True)
class DescribedFile:
    file: File
    # None while the vault is locked, or when the sealed name fails to open.
    filename: str | None
    integrity_error: bool = False


def _file_uuid(file_id) -> uuid.UUID:
    parsed = parse_uuid(file_id)
    if parsed is None:
        raise FileNotFound()
    return parsed


def file_get(*, owner, file_id: str | uuid.UUID, for_update: bool = False) -> File:
    files = File.objects.filter(owner=owner)
    if for_update:
        files = files.select_for_update()
    file = files.filter(id=_file_uuid(file_id)).first()
    if file is None:
        raise FileNotFound()
    return file


def file_list(*, owner, record_id: uuid.UUID | None = None) -> QuerySet[File]:
    files = File.objects.filter(owner=owner)
    if record_id is not None:
        files = files.filter(record_id=record_id)
    return files.order_by("-created_at", "-id")


def scan_counts(*, owner) -> Counter[tuple[uuid.UUID, str]]:
    """How many scans each of the owner's records holds in each role: (record id, role) -> n."""
    rows = File.objects.filter(owner=owner, record__isnull=False).exclude(role="").values_list("record_id", "role")
    return Counter(rows)


def quota_used(*, owner) -> int:
    """Plaintext bytes of the owner's files: what their quota counts."""
    return File.objects.filter(owner=owner).aggregate(used=Sum("plaintext_size"))["used"] or 0


def file_dek(*, file: File, keys: VaultKeys) -> bytes:
    """The file's data key. Raises IntegrityError; audits nothing."""
    return unwrap_dek(
        keys=keys,
        wrapped_dek=file.wrapped_dek,
        user_id=file.owner_id,
        file_id=str(file.pk),
        vault_key_version=file.vault_key_version,
    )


def file_filename(*, file: File, dek: bytes) -> str:
    """The original filename. Raises IntegrityError; audits nothing."""
    return open_filename(
        dek=dek, sealed=file.sealed_filename, user_id=file.owner_id, file_id=str(file.pk), dek_version=file.dek_version
    )


def file_describe(*, file: File, keys: VaultKeys | None, request=None) -> DescribedFile:
    """Metadata, with the filename when the vault is unlocked. A name that fails to
    open is audited and comes back as None, flagged, so the metadata still shows."""
    if keys is None:
        return DescribedFile(file=file, filename=None)
    try:
        return DescribedFile(file=file, filename=file_filename(file=file, dek=file_dek(file=file, keys=keys)))
    except IntegrityError:
        file_integrity_failure(file=file, request=request, operation="describe")
        return DescribedFile(file=file, filename=None, integrity_error=True)


def file_describe_many(*, files: Iterable[File], keys: VaultKeys | None, request=None) -> list[DescribedFile]:
    return [file_describe(file=file, keys=keys, request=request) for file in files]
