from nacl.signing import VerifyKey

from tests.support.dumps import assert_absent, postgres_dump
from vault.models import Vault
from vault.services import user_keys_open, vault_keys


def test_setup_gives_the_user_a_box_and_a_signing_keypair_wrapped_by_the_vault_key(unlocked_alice):
    vault = Vault.objects.get(user=unlocked_alice.user)
    box_key, signing_key = user_keys_open(vault=vault, keys=vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret))
    assert bytes(box_key.public_key) == bytes(vault.box_public_key)
    signed = signing_key.sign(b"consent")
    assert VerifyKey(bytes(vault.sign_public_key)).verify(signed) == b"consent"


def test_the_private_keys_are_not_in_the_database(transactional_db, alice):
    alice.setup_vault().unlock()
    vault = Vault.objects.get(user=alice.user)
    box_key, signing_key = user_keys_open(vault=vault, keys=vault_keys(user=alice.user, unlock_secret=alice.unlock_secret))
    dump = postgres_dump()
    assert bytes(vault.box_public_key).hex().encode() in dump or b"vault_vault" in dump
    assert_absent(dump, bytes(box_key), "X25519 private key")
    assert_absent(dump, bytes(signing_key), "Ed25519 seed")
