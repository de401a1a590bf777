"""The Reminders card in Settings, and the notice on the vault home page."""

import pytest

from reminders.models import Reminder
from reminders.selectors import reminder_setting_get
from reminders.services import reminder_setting_update, reminders_send_due
from tests.conftest import make_person
from tests.web.html import Page

from .conftest import browser, create


@pytest.fixture
def carol(transactional_db, clock):
    return make_person("carol").setup_vault().unlock()


def test_it_turns_reminders_on_with_the_offsets_given(carol):
    response = browser(carol).post("/settings/reminders/", {"enabled": "on", "offsets": "90, 7,0"})
    assert response.status_code == 302, response.content
    setting = reminder_setting_get(user=carol.user)
    assert (setting.enabled, setting.offset_days()) == (True, [90, 7, 0])
    create(carol)
    assert sorted(str(day) for day in Reminder.objects.filter(owner=carol.user).values_list("remind_on", flat=True)) \
        == ["2033-11-30", "2034-02-21", "2034-02-28"]


def test_turning_reminders_on_computes_the_rows_of_records_saved_before(carol):
    create(carol)
    create(carol, kind="note")
    assert not Reminder.objects.filter(owner=carol.user).exists()
    assert browser(carol).post("/settings/reminders/", {"enabled": "on", "offsets": "182, 30, 0"}).status_code == 302
    assert Reminder.objects.filter(owner=carol.user).count() == 3
    browser(carol).post("/settings/reminders/", {"enabled": "on", "offsets": "1"})
    assert [str(day) for day in Reminder.objects.filter(owner=carol.user).values_list("remind_on", flat=True)] \
        == ["2034-02-27"]


def test_bad_offsets_are_a_400_with_the_card_shown_again(carol):
    response = browser(carol).post("/settings/reminders/", {"enabled": "on", "offsets": "soon"})
    assert response.status_code == 400
    assert "whole numbers of days" in Page(response.content).text()
    assert not reminder_setting_get(user=carol.user).enabled


def test_the_settings_page_has_the_reminders_card_off_by_default(carol):
    page = Page(browser(carol).get("/settings/").content)
    assert "Reminders" in page.text() and "no link to which document" in page.text()
    assert any(a.attrs.get("href") == "#reminders" for a in page.find_all("a"))


def test_the_home_page_notes_a_due_reminder_without_naming_the_document(alice, bob, clock):
    create(alice)
    create(bob, date_of_expiry="2040-01-31", mrz=None)
    clock.move_to("2034-01-29 09:00Z")
    reminders_send_due()
    alice.unlock()
    text = Page(browser(alice).get("/").content).text()
    assert "You asked to be reminded on 29 Jan 2034" in text
    assert "30 Aug 2033" not in text  # sent more than 30 days ago
    assert "You asked to be reminded" not in Page(browser(bob).get("/").content).text()


def test_the_notice_goes_when_reminders_are_turned_off(alice, clock):
    create(alice)
    clock.move_to("2034-02-28 09:00Z")
    reminder_setting_update(user=alice.user, enabled=False)
    assert "You asked to be reminded" not in Page(browser(alice).get("/").content).text()
