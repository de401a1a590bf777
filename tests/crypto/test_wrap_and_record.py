import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import derive_kek, new_key, new_recovery_code, parse_recovery_code, recovery_private_key
from vault.crypto.record import open_record, record_context, seal_record
from vault.crypto.session import VaultKeys, open_session, seal_session
from vault.crypto.wrap import unwrap_key, unwrap_with_recovery, wrap_key, wrap_to_recovery

contexts = st.builds(
    Context,
    purpose=st.sampled_from(["record", "dek/record", "vault-key/kek"]),
    user_id=st.text(max_size=10),
    item_id=st.text(max_size=10),
    key_version=st.integers(0, 2**31),
    extra=st.tuples(st.text(max_size=5)),
)


@settings(max_examples=100)
@given(payload=st.binary(max_size=4096), context=contexts)
def test_a_record_round_trips(payload, context):
    dek = new_key()
    assert open_record(dek, seal_record(dek, payload, context), context) == payload


@settings(max_examples=60)
@given(payload=st.binary(max_size=512), context=contexts, data=st.data())
def test_flipping_any_bit_of_a_record_is_detected(payload, context, data):
    dek = new_key()
    blob = bytearray(seal_record(dek, payload, context))
    index = data.draw(st.integers(0, len(blob) - 1))
    blob[index] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(IntegrityError):
        open_record(dek, bytes(blob), context)


@settings(max_examples=60)
@given(payload=st.binary(max_size=256), cut=st.integers(0, 300))
def test_any_truncation_of_a_record_is_detected(payload, cut):
    dek, context = new_key(), Context("record", "1", "r")
    blob = seal_record(dek, payload, context)
    if cut >= len(blob):
        return
    with pytest.raises(IntegrityError):
        open_record(dek, blob[:cut], context)


def test_contexts_with_the_same_concatenation_encode_differently():
    assert Context("record", "1", "23").encode() != Context("record", "12", "3").encode()


def test_a_wrapped_dek_copied_onto_another_item_fails_to_open():
    vk, dek = new_key(), new_key()
    wrapped = wrap_key(vk, dek, Context("dek/record", "1", "item-a", 1))
    assert unwrap_key(vk, wrapped, Context("dek/record", "1", "item-a", 1)) == dek
    with pytest.raises(IntegrityError):
        unwrap_key(vk, wrapped, Context("dek/record", "1", "item-b", 1))


def test_a_record_copied_to_another_kind_fails_to_open():
    dek = new_key()
    ctx = record_context(user_id="1", record_id="r", dek_version=1, kind="passport", schema_version=1)
    blob = seal_record(dek, b"{}", ctx)
    with pytest.raises(IntegrityError):
        open_record(dek, blob, record_context(user_id="1", record_id="r", dek_version=1, kind="note", schema_version=1))


def test_the_kek_needs_both_the_pin_key_and_the_server_share():
    pin_key, share = new_key(), new_key()
    kek = derive_kek(pin_key, share, "1")
    assert kek != derive_kek(pin_key, new_key(), "1")
    assert kek != derive_kek(new_key(), share, "1")
    assert kek != derive_kek(pin_key, share, "2")


def test_a_recovery_code_has_at_least_128_bits_in_groups():
    code = new_recovery_code()
    groups = code.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert len(parse_recovery_code(code)) * 8 >= 128
    assert parse_recovery_code(code.lower().replace("-", " ")) == parse_recovery_code(code)


@pytest.mark.parametrize("bad", ["", "ABCD", "UUUU-" * 7 + "UUUU", "!" * 32, "A" * 33])
def test_malformed_recovery_codes_are_rejected(bad):
    with pytest.raises(IntegrityError):
        parse_recovery_code(bad)


def test_a_recovery_wrap_opens_only_with_the_right_code_and_context():
    share, vk = new_key(), new_key()
    code = new_recovery_code()
    private_key = recovery_private_key(code, share, "1")
    ctx = Context("vault-key/recovery", "1", "", 1)
    wrapped = wrap_to_recovery(bytes(private_key.public_key), vk, ctx)
    assert unwrap_with_recovery(private_key, wrapped, ctx) == vk
    with pytest.raises(IntegrityError):
        unwrap_with_recovery(recovery_private_key(new_recovery_code(), share, "1"), wrapped, ctx)
    with pytest.raises(IntegrityError):
        unwrap_with_recovery(private_key, wrapped, Context("vault-key/recovery", "1", "", 2))
    with pytest.raises(IntegrityError):
        unwrap_with_recovery(private_key, b"\x02" + wrapped[1:], ctx)


def test_an_unlock_session_opens_only_with_its_secret_and_epoch():
    from vault.crypto.keys import new_unlock_secret

    secret = new_unlock_secret()
    keys = VaultKeys(kek=new_key(), vault_keys={1: new_key(), 2: new_key()})
    blob = seal_session(secret, "1", 0, keys)
    opened = open_session(secret, "1", 0, blob)
    assert opened.kek == keys.kek and opened.vault_keys == keys.vault_keys
    for args in ((new_unlock_secret(), "1", 0), (secret, "2", 0), (secret, "1", 1)):
        with pytest.raises(IntegrityError):
            open_session(*args, blob)
    with pytest.raises(IntegrityError):
        open_session("not-a-secret", "1", 0, blob)


def test_vault_keys_never_print_their_bytes():
    keys = VaultKeys(kek=b"K" * 32, vault_keys={1: b"V" * 32})
    assert "KKKK" not in repr(keys) and "VVVV" not in repr(keys)


def test_the_integrity_error_never_says_which_check_failed():
    errors = []
    for blob in (b"", b"\x02" + bytes(60), bytes(60)):
        try:
            aead.open_(new_key(), blob, Context("record", "1"))
        except IntegrityError as exc:
            errors.append(str(exc))
    assert set(errors) == {"integrity check failed"}
