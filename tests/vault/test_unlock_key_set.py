"""vault_unlock re-checks, under the vault lock, the key set it read before its KDF: a version
added meanwhile is in the new session; an unchanged set is not read a second time."""

from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from vault import services
from vault.crypto.kdf import KdfParams
from vault.crypto.keys import new_key
from vault.crypto.wrap import wrap_key, wrap_to_recovery
from vault.models import Vault, VaultKey
from vault.unlock import session_keys


def _add_version_2(person) -> None:
    """What a rotation's start commits: a new version wrapped under the KEK, the set's number bumped."""
    vault = Vault.objects.get(user=person.user)
    kek = services._derive(person.pin, bytes(vault.kdf_salt), KdfParams.from_dict(vault.kdf_params),
                           services._server_share(vault), vault.user_id)
    key = new_key()
    VaultKey.objects.create(
        vault=vault, version=2, wrapped_by_kek=wrap_key(kek, key, services.kek_context(vault.user_id, 2)),
        wrapped_by_recovery=wrap_to_recovery(bytes(vault.recovery_public_key), key,
                                             services.recovery_context(vault.user_id, 2)),
    )
    Vault.objects.filter(pk=vault.pk).update(key_set_version=F("key_set_version") + 1)


def test_a_version_added_between_the_kdf_and_the_commit_is_in_the_new_session(alice, monkeypatch):
    alice.setup_vault()
    real_seam = services.seam
    monkeypatch.setattr(services, "seam", lambda name: _add_version_2(alice) if name == "vault.unlock.commit"
                        else real_seam(name))
    alice.unlock()
    vault = Vault.objects.get(user=alice.user)
    keys, _ = session_keys(vault=vault, unlock_secret=alice.unlock_secret, touch=False)
    assert sorted(keys.vault_keys) == [1, 2]
    assert keys.key_set_version == vault.key_set_version == 1


def test_an_unchanged_key_set_is_read_once_per_unlock(alice):
    alice.setup_vault()
    with CaptureQueriesContext(connection) as queries:
        alice.unlock()
    reads = [query["sql"] for query in queries.captured_queries if 'FROM "vault_vaultkey"' in query["sql"]]
    assert len(reads) == 1
    vault = Vault.objects.get(user=alice.user)
    keys, _ = session_keys(vault=vault, unlock_secret=alice.unlock_secret, touch=False)
    assert sorted(keys.vault_keys) == [1] and keys.key_set_version == vault.key_set_version
