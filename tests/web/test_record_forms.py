import pytest

from audit.models import AuditEvent
from records.models import Record
from records.schemas import KINDS
from tests.records.samples import td3, valid
from tests.web.html import Page
from tests.web.records_helpers import add_record, passport_form
from web.presenting import field_label


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_has_a_form_with_a_label_for_every_field(unlocked_web, kind):
    response = unlocked_web.get(f"/records/new/{kind}/")
    assert response.status_code == 200
    page = Page(response.content)
    assert page.unlabelled_controls() == []
    for name in KINDS[kind].serializer().fields:
        control = page.by_id(f"id_{name}")
        assert control is not None, name
        label = page.find_all("label", for_=f"id_{name}")[0]
        assert field_label(kind, name) in label.text


def test_an_unknown_kind_is_not_found(unlocked_web):
    assert unlocked_web.get("/records/new/spaceship/").status_code == 404


def test_a_passport_with_a_bad_mrz_shows_the_error_next_to_the_mrz(unlocked_web, alice):
    mrz = td3()
    broken = mrz[:-1] + str((int(mrz[-1]) + 1) % 10)
    response = unlocked_web.post("/records/new/passport/", passport_form(mrz=broken))
    assert response.status_code == 400
    page = Page(response.content)
    assert page.by_id("id_mrz").attrs["aria-invalid"] == "true"
    assert (
        page.described_by("id_mrz")[-1]
        == "The MRZ check digit for the whole zone (composite) is wrong."
    )
    assert page.by_id("id_mrz").text.strip() == broken  # what was typed stays in the form
    assert not Record.objects.filter(owner=alice.user).exists()


def test_an_mrz_that_disagrees_with_a_field_names_it(unlocked_web):
    response = unlocked_web.post(
        "/records/new/passport/", passport_form(mrz=td3(surname="Musterfrau"))
    )
    assert (
        "The MRZ does not agree with the surname."
        in Page(response.content).described_by("id_mrz")[-1]
    )


def test_missing_required_fields_are_each_marked(unlocked_web):
    response = unlocked_web.post(
        "/records/new/passport/", passport_form(surname="", date_of_birth="")
    )
    page = Page(response.content)
    for name in ["surname", "date_of_birth"]:
        assert page.by_id(f"id_{name}").attrs["aria-invalid"] == "true"
        assert page.described_by(f"id_{name}")[-1] == "This field is required."
    assert page.by_id("id_number").attrs.get("aria-invalid") is None


def test_a_valid_passport_is_saved_and_shown(unlocked_web, alice):
    response = unlocked_web.post("/records/new/passport/", passport_form())
    record = Record.objects.get(owner=alice.user)
    assert response["Location"] == f"/records/{record.pk}/"
    assert record.kind == "passport"
    assert AuditEvent.objects.filter(action="record.create", target_id=str(record.pk)).exists()


def test_a_bank_card_takes_a_month_a_year_and_spaces_in_the_number(unlocked_web, alice):
    data = valid("bank_card")
    form = {**data, "number": " ".join([data["number"][:4], data["number"][4:]]), "label": "Card"}
    assert unlocked_web.post("/records/new/bank_card/", form).status_code == 302


def test_a_bad_card_number_is_shown_next_to_it(unlocked_web):
    form = {**valid("bank_card"), "number": "4242424242424241"}
    page = Page(unlocked_web.post("/records/new/bank_card/", form).content)
    assert (
        page.described_by("id_number")[-1] == "This card number is not valid (Luhn check failed)."
    )


def test_driving_licence_categories_are_typed_with_commas(unlocked_web, alice):
    form = {**valid("driver_licence"), "categories": "am, b,BE"}
    assert unlocked_web.post("/records/new/driver_licence/", form).status_code == 302
    record_id = Record.objects.get(owner=alice.user).pk
    assert "AM, B, BE" in unlocked_web.get(f"/records/{record_id}/").content.decode()


def test_a_bank_account_needs_an_iban_or_an_account_number(unlocked_web):
    form = {"holder": "Erika Mustermann", "bank_name": "Musterbank"}
    page = Page(unlocked_web.post("/records/new/bank_account/", form).content)
    assert "Give an IBAN" in page.described_by("id_iban")[-1]


def test_a_note_may_have_empty_text(unlocked_web, alice):
    assert (
        unlocked_web.post("/records/new/note/", {"title": "Empty", "text": ""}).status_code == 302
    )


def test_editing_shows_the_values_and_saves_changes(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"), label="Old label")
    page = Page(unlocked_web.get(f"/records/{record_id}/edit/").content)
    assert page.by_id("id_surname").attrs["value"] == valid("passport")["surname"]
    form = passport_form(label="New label", revision="1", personal_number="")
    response = unlocked_web.post(f"/records/{record_id}/edit/", form)
    assert response.status_code == 302
    assert "New label" in unlocked_web.get(f"/records/{record_id}/").content.decode()


def test_editing_a_card_shows_its_secrets_masked_keeps_them_and_reveals_nothing(unlocked_web, alice):
    card = valid("bank_card")
    record_id = add_record(alice, "bank_card", card, label="Visa")
    html = unlocked_web.get(f"/records/{record_id}/edit/").content.decode()
    page = Page(html)
    assert card["number"] not in html and card["cvv"] not in html
    assert "value" not in page.by_id("id_number").attrs and "value" not in page.by_id("id_cvv").attrs
    assert page.by_id("id_number").attrs["placeholder"] == "•••• " + card["number"][-4:]
    assert "Leave it empty to keep it" in " ".join(page.described_by("id_cvv"))
    assert page.by_id("id_holder").attrs["value"] == card["holder"]
    assert not AuditEvent.objects.filter(action="record.reveal", target_id=record_id).exists()

    form = {**card, "label": "Visa", "holder": "New Holder", "number": "", "cvv": "", "revision": "1"}
    assert unlocked_web.post(f"/records/{record_id}/edit/", form).status_code == 302
    alice.unlock()  # an API session, to read the stored values back
    response = alice.client.get(f"/api/v1/records/{record_id}/?reveal=true")
    assert response.status_code == 200, response.content
    stored = response.json()["data"]
    assert (stored["holder"], stored["number"], stored["cvv"]) == ("New Holder", card["number"].replace(" ", ""), card["cvv"])
    assert unlocked_web.post(f"/records/{record_id}/edit/", {**form, "cvv": "999", "revision": "2"}).status_code == 302
    assert alice.client.get(f"/api/v1/records/{record_id}/?reveal=true").json()["data"]["cvv"] == "999"


def test_editing_a_note_shows_its_text_and_counts_as_a_reveal(unlocked_web, alice):
    record_id = add_record(alice, "note", valid("note"))
    page = Page(unlocked_web.get(f"/records/{record_id}/edit/").content)
    assert page.by_id("id_text").text.strip() == valid("note")["text"]
    assert AuditEvent.objects.filter(action="record.reveal", target_id=record_id).exists()


def test_an_edit_from_a_stale_page_is_refused(unlocked_web, alice):
    record_id = add_record(alice, "note", valid("note"))
    assert (
        unlocked_web.post(
            f"/records/{record_id}/edit/", {"title": "One", "text": "", "revision": "1"}
        ).status_code
        == 302
    )
    response = unlocked_web.post(
        f"/records/{record_id}/edit/", {"title": "Two", "text": "", "revision": "1"}
    )
    assert response.status_code == 400
    assert "changed in another window" in Page(response.content).text()


def test_deleting_asks_first_then_deletes(unlocked_web, alice):
    record_id = add_record(alice, "note", valid("note"), label="Throwaway")
    confirm = Page(unlocked_web.get(f"/records/{record_id}/delete/").content)
    assert "Delete “Throwaway”?" in confirm.text()
    assert Record.objects.filter(pk=record_id).exists()
    assert unlocked_web.post(f"/records/{record_id}/delete/")["Location"] == "/"
    assert not Record.objects.filter(pk=record_id).exists()


def test_someone_elses_record_is_not_found(unlocked_web, bob):
    bob.setup_vault()
    record_id = add_record(bob, "note", valid("note"))
    for url in ["", "edit/", "delete/"]:
        assert unlocked_web.get(f"/records/{record_id}/{url}").status_code == 404
    assert unlocked_web.post(f"/records/{record_id}/reveal/", {"field": "text"}).status_code == 404
    assert unlocked_web.post(f"/records/{record_id}/delete/").status_code == 404
    assert Record.objects.filter(pk=record_id).exists()
