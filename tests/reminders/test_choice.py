"""One record's reminders switch: on for a driver's licence, off for a passport, kept
as an opaque row that names no record."""


from reminders.models import Reminder, ReminderChoice
from tests.web.html import Page

from .conftest import RECORDS_URL, browser, create


def _dates(person) -> list[str]:
    return sorted(str(day) for day in Reminder.objects.filter(owner=person.user).values_list("remind_on", flat=True))


def test_a_driver_licence_reminds_once_turned_on_on_its_page(alice):
    record = create(alice, kind="driver_licence")
    page = browser(alice)
    assert "Remind me before it expires" in Page(page.get(f"/records/{record['id']}/").content).text()
    assert page.post(f"/records/{record['id']}/reminders/", {"on": "1"}).status_code == 302
    assert _dates(alice) == ["2039-12-01", "2040-05-01", "2040-05-31"]
    assert "Stop expiry reminders" in Page(page.get(f"/records/{record['id']}/").content).text()
    choice = ReminderChoice.objects.get(owner=alice.user)
    assert {field.column for field in ReminderChoice._meta.concrete_fields} == {"id", "owner_id", "tag", "key_version"}
    assert record["id"].encode() not in bytes(choice.tag)


def test_a_passport_turned_off_stays_off_when_saved_again(alice):
    record = create(alice)
    assert browser(alice).post(f"/records/{record['id']}/reminders/", {"on": "0"}).status_code == 302
    assert _dates(alice) == []
    response = alice.client.patch(f"{RECORDS_URL}{record['id']}/", {"label": "Renamed"}, format="json",
                                  HTTP_IF_MATCH=f'"{record["revision"]}"')
    assert response.status_code == 200, response.content
    assert _dates(alice) == []


def test_deleting_the_record_removes_its_choice(alice):
    record = create(alice, kind="driver_licence")
    browser(alice).post(f"/records/{record['id']}/reminders/", {"on": "1"})
    assert alice.client.delete(f"{RECORDS_URL}{record['id']}/").status_code == 204
    assert not ReminderChoice.objects.exists() and _dates(alice) == []


def test_another_user_gets_404_and_changes_nothing(alice, bob):
    record = create(alice)
    response = browser(bob).post(f"/records/{record['id']}/reminders/", {"on": "0"})
    assert response.status_code == 404
    assert len(_dates(alice)) == 3 and not ReminderChoice.objects.exists()
