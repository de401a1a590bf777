"""The one lock for key versions (DESIGN §5, docs/rotation.md "The one lock").

Rule: every operation that reads or changes which vault key versions exist, or
which version wraps a row, makes its change inside `vault_locked()`, which holds
the vault row (`SELECT … FOR UPDATE`) until commit. Inside it, the operation
re-checks what its long work outside the lock assumed (`keyset_sync` brings the
caller's keys up to the versions that exist now), and writes under the newest
version. A version is destroyed only inside the same lock, when no row refers to
it. Lock order: the vault row first, then item rows (record, file, rotation item),
then the job row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.crypto.wrap import unwrap_key

from .models import Vault, VaultKey


@contextmanager
def vault_locked(*, user_id: int) -> Iterator[Vault]:
    """One transaction holding the vault row of `user_id`; Vault.DoesNotExist if it has none."""
    with transaction.atomic():
        yield Vault.objects.select_for_update().get(user_id=user_id)


def keyset_load(*, vault: Vault, keys: VaultKeys) -> VaultKeys:
    """The vault key versions stored now, opened with the session's KEK (versions the
    session already holds are reused). IntegrityError if the KEK no longer opens them:
    the PIN changed since the session began."""
    from .services import kek_context

    stored = dict(VaultKey.objects.filter(vault_id=vault.pk).values_list("version", "wrapped_by_kek"))
    loaded = VaultKeys(kek=keys.kek, key_set_version=vault.key_set_version, reload=keys.reload)
    for version, wrapped in sorted(stored.items()):
        loaded.vault_keys[version] = keys.vault_keys.get(version) or unwrap_key(
            keys.kek, bytes(wrapped), kek_context(vault.user_id, version)
        )
    if not loaded.vault_keys:
        raise IntegrityError()
    return loaded


def keyset_sync(*, vault: Vault, keys: VaultKeys) -> VaultKeys:
    """`keys` if they are the vault's current key set, else the current set loaded.

    Called under `vault_locked`, the result is exact until commit: every version in
    it exists, and its newest is the vault's newest.
    """
    if keys.key_set_version == vault.key_set_version and keys.vault_keys:
        return keys
    return keyset_load(vault=vault, keys=keys)
