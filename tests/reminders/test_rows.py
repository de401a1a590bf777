"""What the reminder rows hold: dates and an opaque tag, never which record."""

import uuid
from datetime import date

from records.models import Record
from reminders.models import Reminder
from reminders.services import reminder_setting_update
from tests.conftest import make_person

from .conftest import DATES, RECORDS_URL, create


def _dates(person) -> list[str]:
    rows = Reminder.objects.filter(owner=person.user).order_by("remind_on")
    return [row.remind_on.isoformat() for row in rows]


def _patch(person, record: dict, data: dict) -> dict:
    response = person.client.patch(f"{RECORDS_URL}{record['id']}/", {"data": data}, format="json",
                                    HTTP_IF_MATCH=f'"{record["revision"]}"')
    assert response.status_code == 200, response.content
    return response.json()


def test_it_stores_one_row_per_offset_of_a_passport(alice):
    create(alice)
    assert _dates(alice) == list(DATES)


def test_its_rows_hold_no_record_id_and_nothing_equal_to_the_records_timestamps(alice):
    record = Record.objects.get(pk=create(alice)["id"])
    columns = {field.column for field in Reminder._meta.concrete_fields}
    assert columns == {"id", "owner_id", "remind_on", "tag", "key_version", "sent_at"}
    stamps = {record.created_at, record.updated_at, record.created_at.date(), record.updated_at.date()}
    for row in Reminder.objects.filter(owner=alice.user):
        values = [getattr(row, field.attname) for field in Reminder._meta.concrete_fields]
        assert not stamps & set(values)
        assert record.pk.bytes not in bytes(row.tag) and str(record.pk).encode() not in bytes(row.tag)
        assert all(not isinstance(value, uuid.UUID) for value in values)


def test_two_records_expiring_the_same_day_get_different_tags(alice):
    create(alice)
    create(alice)
    tags = {bytes(row.tag) for row in Reminder.objects.filter(owner=alice.user)}
    assert Reminder.objects.filter(owner=alice.user).count() == 6 and len(tags) == 2


def test_updating_the_expiry_while_unlocked_replaces_the_rows(alice):
    record = create(alice)
    _patch(alice, record, {"date_of_expiry": "2034-03-31", "mrz": None})
    assert _dates(alice) == ["2033-09-30", "2034-03-01", "2034-03-31"]


def test_deleting_the_record_removes_its_rows_and_no_other(alice):
    kept, gone = create(alice), create(alice, date_of_expiry="2035-01-31", mrz=None)
    response = alice.client.delete(f"{RECORDS_URL}{gone['id']}/")
    assert response.status_code == 204, response.content
    assert _dates(alice) == list(DATES) and kept


def test_reminders_off_means_no_rows(alice):
    reminder_setting_update(user=alice.user, enabled=False)
    create(alice)
    assert _dates(alice) == []


def test_turning_reminders_off_removes_the_owners_rows(alice):
    create(alice)
    reminder_setting_update(user=alice.user, enabled=False)
    assert _dates(alice) == []


def test_reminders_are_off_until_the_owner_turns_them_on(transactional_db, clock):
    carol = make_person("carol").setup_vault().unlock()
    create(carol)
    assert _dates(carol) == []


def test_kinds_other_than_passports_and_id_cards_do_not_remind_by_default(alice):
    create(alice, kind="driver_licence")
    create(alice, kind="bank_card")
    assert _dates(alice) == []
    create(alice, kind="id_card")
    assert _dates(alice) == ["2040-07-16", "2040-12-15", "2041-01-14"]


def test_dates_already_past_are_not_stored(alice, clock):
    clock.move_to("2034-02-01 09:00Z")
    create(alice.unlock())  # the clock moved past the unlock session's lifetime
    assert _dates(alice) == ["2034-02-28"]


def test_another_users_rows_are_never_touched(alice, bob):
    create(bob)
    record = create(alice)
    before = list(Reminder.objects.filter(owner=bob.user).values_list("pk", "remind_on", "tag"))
    _patch(alice, record, {"date_of_expiry": "2034-03-31", "mrz": None})
    assert alice.client.delete(f"{RECORDS_URL}{record['id']}/").status_code == 204
    reminder_setting_update(user=alice.user, enabled=False)
    assert list(Reminder.objects.filter(owner=bob.user).values_list("pk", "remind_on", "tag")) == before
    assert date(2034, 2, 28) in {row[1] for row in before}
