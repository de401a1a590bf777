"""The per-record steps key rotation reuses: re-wrap a DEK, re-encrypt a payload."""

import pytest

from records import selectors, services
from records.models import Record
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import new_key
from vault.crypto.session import VaultKeys
from vault.services import vault_keys


@pytest.fixture
def keys(unlocked_alice) -> VaultKeys:
    return vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)


@pytest.fixture
def rotated(keys) -> VaultKeys:
    """The vault's keys after a new vault key version was added."""
    return VaultKeys(kek=keys.kek, vault_keys={**keys.vault_keys, 2: new_key()})


def _open(record_id: str, keys: VaultKeys):
    return selectors.record_unseal(record=Record.objects.get(pk=record_id), keys=keys)[1]


def test_a_rewrapped_record_opens_under_the_new_vault_key_only(unlocked_alice, alice_card, keys, rotated):
    before = _open(alice_card["id"], keys)
    record = services.record_rewrap(record_id=alice_card["id"], owner=unlocked_alice.user, keys=rotated, to_version=2)
    assert (record.vault_key_version, record.revision) == (2, 1)
    assert _open(alice_card["id"], rotated) == before
    with pytest.raises(IntegrityError):
        _open(alice_card["id"], VaultKeys(kek=keys.kek, vault_keys={2: new_key()}))


def test_rewrapping_twice_changes_nothing_the_second_time(unlocked_alice, alice_card, rotated):
    services.record_rewrap(record_id=alice_card["id"], owner=unlocked_alice.user, keys=rotated, to_version=2)
    wrapped = bytes(Record.objects.get(pk=alice_card["id"]).wrapped_dek)
    services.record_rewrap(record_id=alice_card["id"], owner=unlocked_alice.user, keys=rotated, to_version=2)
    assert bytes(Record.objects.get(pk=alice_card["id"]).wrapped_dek) == wrapped


def test_old_vault_key_versions_stay_readable_until_rewrapped(alice_card, keys, rotated):
    assert Record.objects.get(pk=alice_card["id"]).vault_key_version == 1
    assert _open(alice_card["id"], rotated).label == "Everyday Visa"


def test_reencrypting_uses_a_new_dek_and_the_old_blob_no_longer_opens(unlocked_alice, alice_card, keys, rotated):
    old = Record.objects.get(pk=alice_card["id"])
    before = _open(alice_card["id"], keys)
    record = services.record_reencrypt(record_id=alice_card["id"], owner=unlocked_alice.user, keys=rotated)
    assert (record.dek_version, record.vault_key_version, record.revision) == (2, 2, 1)
    assert bytes(record.ciphertext) != bytes(old.ciphertext)
    assert _open(alice_card["id"], rotated) == before
    Record.objects.filter(pk=alice_card["id"]).update(ciphertext=old.ciphertext)
    with pytest.raises(IntegrityError):
        _open(alice_card["id"], rotated)


def test_the_api_reads_a_reencrypted_record(unlocked_alice, alice_card, keys):
    services.record_reencrypt(record_id=alice_card["id"], owner=unlocked_alice.user, keys=keys)
    response = unlocked_alice.client.get(f"/api/v1/records/{alice_card['id']}/?reveal=true")
    assert response.status_code == 200 and response.json()["data"]["cvv"] == "123"
