"""The vault home page's search box: the same decrypt-and-match as the API's ?q=."""

from tests.records.samples import valid
from tests.web.html import Page
from tests.web.records_helpers import add_record


def _labels(response) -> list[str]:
    page = Page(response.content)
    return [span.text.strip() for span in page.find_all("span") if "record-label" in span.attrs.get("class", "")]


def test_the_search_box_finds_a_record_by_its_number_and_hides_the_rest(unlocked_web, alice):
    add_record(alice, "passport", valid("passport"), label="Travel passport")
    add_record(alice, "note", valid("note"), label="Wi-Fi")
    response = unlocked_web.get("/", {"q": valid("passport")["number"]})
    assert response.status_code == 200
    assert _labels(response) == ["Travel passport"]
    assert "1 record match" in Page(response.content).text()


def test_the_search_box_finds_by_label_and_says_when_nothing_matches(unlocked_web, alice):
    add_record(alice, "note", valid("note"), label="Wi-Fi")
    assert _labels(unlocked_web.get("/", {"q": "wi-fi"})) == ["Wi-Fi"]
    response = unlocked_web.get("/", {"q": "lisbon"})
    assert _labels(response) == [] and "0 records match" in Page(response.content).text()


def test_a_too_long_search_is_400_with_a_message_and_lists_everything(unlocked_web, alice):
    add_record(alice, "note", valid("note"), label="Wi-Fi")
    response = unlocked_web.get("/", {"q": "x" * 101})
    assert response.status_code == 400
    assert "at most 100 characters" in Page(response.content).text()
    assert _labels(response) == ["Wi-Fi"]


def test_another_users_records_never_show_in_results(unlocked_web, alice, bob, bobs_web):
    add_record(alice, "passport", valid("passport"), label="Alice's passport")
    add_record(bob, "note", valid("note"), label="Bob's note")
    assert _labels(bobs_web.get("/", {"q": "passport"})) == []
    assert _labels(bobs_web.get("/", {"q": valid("passport")["number"]})) == []


def test_a_locked_vault_is_sent_to_unlock_before_searching(locked_web):
    response = locked_web.get("/", {"q": "passport"})
    assert response.status_code == 302 and "unlock" in response["Location"]
