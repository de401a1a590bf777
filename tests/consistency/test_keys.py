"""Rows under a vault key version that no longer exists, and server shares that no
configured keyring version opens, are named by id; the rest of the world is not."""

from consistency.services import consistency_check
from vault.keyring import LocalKeyProvider, format_keyring, get_key_provider, parse_keyring
from vault.models import Vault, VaultKey
from vault.services import SERVER_SHARE_PURPOSE

from .conftest import wrong_ids


def test_every_row_under_a_destroyed_vault_key_version_is_named(fs_world):
    alice = fs_world.alice
    VaultKey.objects.filter(vault=alice.vault, version=1).delete()
    assert wrong_ids(consistency_check()) == {
        "record_key_version": sorted(alice.record_ids),
        "file_key_version": sorted(alice.file_ids),
        "user_keys_key_version": [str(alice.vault.pk)],
    }


def test_one_record_naming_a_version_that_never_existed_is_named_alone(fs_world):
    from records.models import Record

    stray = fs_world.bob.record_ids[1]
    Record.objects.filter(pk=stray).update(vault_key_version=7)
    assert wrong_ids(consistency_check()) == {"record_key_version": [stray]}


def test_a_version_of_another_vault_does_not_count(fs_world):
    # Bob has a v2, Alice does not: her file under v2 is still wrong.
    from files.models import File

    bob_v1 = VaultKey.objects.get(vault=fs_world.bob.vault, version=1)
    VaultKey.objects.create(vault=bob_v1.vault, version=2, wrapped_by_kek=bob_v1.wrapped_by_kek,
                            wrapped_by_recovery=bob_v1.wrapped_by_recovery)
    moved = fs_world.alice.file_ids[0]
    File.objects.filter(pk=moved).update(vault_key_version=2)
    assert wrong_ids(consistency_check()) == {"file_key_version": [moved]}


def _rewrap_share_under(vault: Vault, version: int, key: bytes) -> None:
    """As if the share was wrapped before the keyring moved on."""
    share = get_key_provider().unwrap(vault.server_key_version, bytes(vault.wrapped_server_share),
                                      purpose=SERVER_SHARE_PURPOSE, subject=str(vault.user_id))
    _, wrapped = LocalKeyProvider({version: key}).wrap(share, purpose=SERVER_SHARE_PURPOSE, subject=str(vault.user_id))
    Vault.objects.filter(pk=vault.pk).update(wrapped_server_share=wrapped, server_key_version=version)


def test_a_share_under_a_retired_keyring_version_is_named(fs_world, settings):
    keys = parse_keyring(settings.COFFER_SERVER_KEYS)
    assert sorted(keys) == [1, 2]
    alice_vault = fs_world.alice.vault
    _rewrap_share_under(alice_vault, 1, keys[1])
    assert consistency_check().clean  # v1 is still configured: it opens
    settings.COFFER_SERVER_KEYS = format_keyring({2: keys[2]})
    assert get_key_provider().versions == [2]
    report = consistency_check()
    assert wrong_ids(report) == {"server_share_opens": [str(alice_vault.pk)]}
    assert report["server_share_opens"].checked == 2


def test_a_share_that_does_not_open_under_its_own_version_is_named(fs_world):
    bob_vault = fs_world.bob.vault
    # Alice's share in Bob's row: the right version, the wrong subject.
    Vault.objects.filter(pk=bob_vault.pk).update(wrapped_server_share=fs_world.alice.vault.wrapped_server_share,
                                                 server_key_version=fs_world.alice.vault.server_key_version)
    assert wrong_ids(consistency_check()) == {"server_share_opens": [str(bob_vault.pk)]}
