from datetime import date

from tests.records.samples import valid
from tests.web.html import Page
from tests.web.records_helpers import add_record


def test_a_first_time_visitor_sees_how_to_add_a_document(unlocked_web):
    page = Page(unlocked_web.get("/").content)
    assert "Add your first document" in page.text()
    links = {element.attrs["href"] for element in page.find_all("a")}
    for kind in ["passport", "id_card", "driver_licence", "bank_card", "bank_account", "note"]:
        assert f"/records/new/{kind}/" in links
    assert "/documents/#upload" in links


def test_records_are_grouped_by_kind_with_masked_key_fields(unlocked_web, alice):
    add_record(alice, "passport", valid("passport"), label="Travel passport")
    add_record(alice, "bank_card", valid("bank_card"), label="Debit card")
    html = unlocked_web.get("/").content.decode()
    page = Page(html)
    assert [h.text.split()[0] for h in page.find_all("h2")] == ["Passports", "Bank"]
    assert "Travel passport" in html and "Debit card" in html
    assert valid("passport")["number"] not in html
    assert valid("bank_card")["number"] not in html
    assert "•••• " + valid("bank_card")["number"][-4:] in html
    assert "Visa" in html or "Mastercard" in html


def test_expired_records_are_flagged(unlocked_web, alice):
    add_record(
        alice,
        "driver_licence",
        valid("driver_licence", date_of_issue="2001-01-01", date_of_expiry="2015-01-01"),
        label="Old licence",
    )
    add_record(alice, "id_card", valid("id_card"), label="Current card")
    page = Page(unlocked_web.get("/").content)
    expired = [a for a in page.find_all("a") if "is-expired" in a.attrs.get("class", "")]
    assert len(expired) == 1
    assert "Old licence" in expired[0].text and "Expired" in expired[0].text
    assert "1 expired" in page.text()


def test_an_expiry_date_shows_in_the_list(unlocked_web, alice):
    add_record(alice, "passport", valid("passport"))
    expiry = date.fromisoformat(valid("passport")["date_of_expiry"])
    assert f"Expires {expiry.day} {expiry:%b %Y}" in Page(unlocked_web.get("/").content).text()


def test_a_label_left_blank_shows_the_kind(unlocked_web, alice):
    add_record(alice, "note", valid("note"))
    assert "Secure note" in Page(unlocked_web.get("/").content).text()


def test_the_home_page_is_never_cached(unlocked_web):
    assert unlocked_web.get("/")["Cache-Control"] == "no-store"


def test_other_peoples_records_do_not_show(unlocked_web, bobs_web, bob):
    add_record(bob, "note", valid("note"), label="Bob's secret")
    assert "Bob's secret" not in unlocked_web.get("/").content.decode()
    assert "Bob&#x27;s secret" in bobs_web.get("/").content.decode()
