"""The vault list's "expires in N days" badges and its "Expiring soon" filter,
computed from the decrypted data while the vault is unlocked."""

from datetime import timedelta

from django.utils import timezone

from tests.records.samples import valid
from tests.web.html import Page
from tests.web.records_helpers import add_record


def _labels(response) -> list[str]:
    return [span.text.strip() for span in Page(response.content).find_all("span")
            if "record-label" in span.attrs.get("class", "")]


def _id_card_expiring_in(days: int) -> dict:
    return valid("id_card", date_of_expiry=(timezone.localdate() + timedelta(days=days)).isoformat())


def test_a_record_expiring_within_90_days_shows_expires_in_n_days(unlocked_web, alice):
    add_record(alice, "id_card", _id_card_expiring_in(30), label="Old ID")
    add_record(alice, "id_card", _id_card_expiring_in(0), label="Last day ID")
    text = Page(unlocked_web.get("/").content).text()
    assert "Expires in 30 days" in text and "Expires today" in text


def test_a_record_expiring_later_shows_its_date_not_a_countdown(unlocked_web, alice):
    add_record(alice, "id_card", _id_card_expiring_in(400), label="New ID")
    assert "Expires in" not in Page(unlocked_web.get("/").content).text()


def test_the_expiring_soon_filter_shows_only_records_expiring_within_90_days(unlocked_web, alice):
    add_record(alice, "id_card", _id_card_expiring_in(10), label="Soon")
    add_record(alice, "id_card", _id_card_expiring_in(400), label="Later")
    add_record(alice, "note", valid("note"), label="Never")
    home = Page(unlocked_web.get("/").content)
    assert "1 expiring soon" in home.text()
    assert any(a.attrs.get("href") == "?expiring=soon" for a in home.find_all("a"))
    response = unlocked_web.get("/", {"expiring": "soon"})
    assert _labels(response) == ["Soon"]
    assert "1 record expiring within 90 days" in Page(response.content).text()


def test_the_filter_and_the_search_combine(unlocked_web, alice):
    add_record(alice, "id_card", _id_card_expiring_in(10), label="Soon")
    add_record(alice, "id_card", _id_card_expiring_in(20), label="Also soon")
    assert _labels(unlocked_web.get("/", {"expiring": "soon", "q": "also"})) == ["Also soon"]
