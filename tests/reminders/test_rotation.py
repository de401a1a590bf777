"""Key rotation re-tags a record's rows, so they stay findable once the old vault key is gone."""

import pytest

from records import services
from reminders.models import Reminder, ReminderChoice
from reminders.services import reminder_choice_set, reminders_forget, reminders_wanted
from vault.crypto.keys import new_key
from vault.crypto.session import VaultKeys
from vault.services import vault_keys

from .conftest import create


@pytest.fixture
def rotated(alice) -> VaultKeys:
    keys = vault_keys(user=alice.user, unlock_secret=alice.unlock_secret)
    return VaultKeys(kek=keys.kek, vault_keys={**keys.vault_keys, 2: new_key()})


@pytest.mark.parametrize("step", ["rewrap", "reencrypt"])
def test_a_rotation_step_moves_the_rows_to_the_new_key(alice, rotated, step):
    record = create(alice)
    before = {row.pk: bytes(row.tag) for row in Reminder.objects.filter(owner=alice.user)}
    getattr(services, f"record_{step}")(record_id=record["id"], owner=alice.user, keys=rotated, to_version=2)
    rows = Reminder.objects.filter(owner=alice.user)
    assert {row.key_version for row in rows} == {2}
    assert all(bytes(row.tag) != before[row.pk] for row in rows) and len(rows) == 3
    only_new = VaultKeys(kek=rotated.kek, vault_keys={2: rotated.vault_keys[2]})
    reminders_forget(owner=alice.user, keys=only_new, record_id=record["id"])
    assert not Reminder.objects.filter(owner=alice.user).exists()


def test_a_rotation_moves_a_records_choice_to_the_new_key(alice, rotated):
    record = create(alice, kind="driver_licence")
    keys = VaultKeys(kek=rotated.kek, vault_keys={1: rotated.vault_keys[1]})
    reminder_choice_set(owner=alice.user, keys=keys, record_id=record["id"], on=True)
    services.record_rewrap(record_id=record["id"], owner=alice.user, keys=rotated, to_version=2)
    only_new = VaultKeys(kek=rotated.kek, vault_keys={2: rotated.vault_keys[2]})
    assert ReminderChoice.objects.get(owner=alice.user).key_version == 2
    assert reminders_wanted(owner=alice.user, keys=only_new, record_id=record["id"], kind="driver_licence")
