from audit.models import AuditEvent
from tests.records.samples import valid
from tests.web.html import Page
from tests.web.records_helpers import add_record

JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_detail_page_masks_secret_fields(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    response = unlocked_web.get(f"/records/{record_id}/")
    html = response.content.decode()
    assert valid("passport")["number"] not in html
    assert valid("passport")["mrz"].split("\n")[0] not in html
    assert "Mustermann" in html  # not secret
    assert response["Cache-Control"] == "no-store"


def test_reveal_answers_one_field_and_audits_it(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    response = unlocked_web.post(f"/records/{record_id}/reveal/", {"field": "number"}, **JSON)
    assert response.status_code == 200
    assert response.json() == {"field": "number", "value": valid("passport")["number"]}
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="record.reveal", target_id=record_id).count() == 1


def test_reveal_without_javascript_shows_the_page_with_that_field(unlocked_web, alice):
    record_id = add_record(alice, "bank_card", valid("bank_card"))
    page = Page(unlocked_web.post(f"/records/{record_id}/reveal/", {"field": "cvv"}).content)
    assert page.by_id("value-cvv").text == valid("bank_card")["cvv"]
    assert page.by_id("value-number").text == "•••• 4242"


def test_reveal_refuses_a_field_that_is_not_secret(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    assert (
        unlocked_web.post(f"/records/{record_id}/reveal/", {"field": "surname"}, **JSON).status_code
        == 400
    )
    assert not AuditEvent.objects.filter(action="record.reveal").exists()


def test_reveal_is_post_only_so_no_value_is_ever_in_a_url(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    assert unlocked_web.get(f"/records/{record_id}/reveal/?field=number").status_code == 405


def test_reveal_on_a_locked_vault_goes_to_the_unlock_page(locked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    response = locked_web.post(f"/records/{record_id}/reveal/", {"field": "number"}, **JSON)
    assert response.status_code == 302
    assert response["Location"] == "/vault/unlock/"


def test_each_secret_field_has_a_reveal_button_and_others_a_copy_button(unlocked_web, alice):
    record_id = add_record(alice, "bank_card", valid("bank_card"))
    page = Page(unlocked_web.get(f"/records/{record_id}/").content)
    revealed = {e.attrs["value"] for e in page.find_all("input", name="field")}
    assert revealed == {"number", "cvv"}
    copyable = {e.attrs["data-copy-field"] for e in page.elements if "data-copy-field" in e.attrs}
    assert {"holder", "number", "cvv"} <= copyable
