"""The Sharing page: listing grants, sharing chosen fields with an approved app, revoking."""

import pytest
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from audit.models import AuditEvent
from sharing.models import Grant
from sharing.selectors import grant_list
from sharing.services import app_approve, app_register
from tests.records.samples import valid
from tests.web.html import Page
from tests.web.records_helpers import add_record


@pytest.fixture
def approved_app(db):
    app = app_register(
        name="Budget Buddy",
        callback_url="https://budget.example/callback",
        box_public_key=bytes(PrivateKey.generate().public_key),
        sign_public_key=bytes(SigningKey.generate().verify_key),
    )
    return app_approve(app=app, actor=None)


@pytest.fixture
def card_id(unlocked_web, alice):
    return add_record(alice, "bank_card", valid("bank_card"), label="Everyday Visa")


def _share(web, app, record_id, fields=(), days="7"):
    data = {"app": str(app.pk), "records": [record_id], "expires_in_days": days}
    if fields:
        data[f"fields_{record_id}"] = list(fields)
    return web.post("/sharing/grants/", data)


def test_the_page_is_strict_and_offers_the_approved_app(unlocked_web, approved_app, card_id):
    response = unlocked_web.get("/sharing/")
    page = Page(response.content)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert page.inline_scripts() == [] and page.inline_styles() == []
    assert page.event_handler_attributes() == []
    assert page.post_forms_without_csrf() == []
    assert page.unlabelled_controls() == []
    assert "Budget Buddy" in page.text() and "Everyday Visa" in page.text()
    assert "cannot take back data" in page.text()


def test_sharing_chosen_fields_creates_exactly_that_grant(unlocked_web, alice, approved_app, card_id):
    response = _share(unlocked_web, approved_app, card_id, fields=["holder", "expiry_year"])
    assert response.status_code == 302 and response["Location"] == "/sharing/#grants"
    grants = list(grant_list(user=alice.user))
    assert len(grants) == 1
    grant = grants[0]
    assert grant.app_id == approved_app.pk and grant.revoked_at is None
    assert [(str(item.record_id), item.fields) for item in grant.items.all()] == [
        (card_id, ["expiry_year", "holder"])
    ]
    page = unlocked_web.get("/sharing/")
    text = Page(page.content).text()
    assert "Shared 1 record with Budget Buddy" in text
    assert valid("bank_card")["number"] not in page.content.decode()
    assert "Everyday Visa" in text and "Active" in text


def test_no_fields_ticked_shares_every_field(unlocked_web, alice, approved_app, card_id):
    assert _share(unlocked_web, approved_app, card_id).status_code == 302
    (item,) = Grant.objects.get(user=alice.user).items.all()
    assert set(valid("bank_card")) <= set(item.fields)
    assert item.label_shared is False  # the record's name stays unless ticked


def test_the_records_name_is_a_box_of_its_own_and_goes_only_when_ticked(unlocked_web, alice, approved_app, card_id):
    page = Page(unlocked_web.get("/sharing/").content)
    assert "Its name, “Everyday Visa”" in page.text()
    assert page.find_all("input", name=f"fields_{card_id}", value="__label__")
    assert _share(unlocked_web, approved_app, card_id, fields=["__label__", "holder"]).status_code == 302
    (item,) = Grant.objects.get(user=alice.user).items.all()
    assert (item.fields, item.label_shared) == (["holder"], True)
    assert "its name" in Page(unlocked_web.get("/sharing/").content).text()


def test_choices_are_checked_next_to_their_fields(unlocked_web, alice, approved_app, card_id):
    response = unlocked_web.post("/sharing/grants/", {"app": "", "expires_in_days": "7"})
    page = Page(response.content)
    assert response.status_code == 400
    assert page.described_by("id_app")[-1] == "Choose an app."
    assert "Choose at least one record" in page.by_id("id_records_error").text
    response = _share(unlocked_web, approved_app, card_id, fields=["not_a_field"])
    assert response.status_code == 400
    assert Page(response.content).by_id(f"id_fields_{card_id}_error") is not None
    assert not Grant.objects.filter(user=alice.user).exists()


def test_revoking_asks_first_and_is_audited(unlocked_web, alice, approved_app, card_id):
    _share(unlocked_web, approved_app, card_id)
    grant = Grant.objects.get(user=alice.user)
    confirm = unlocked_web.get(f"/sharing/grants/{grant.pk}/revoke/")
    assert "Revoke access for “Budget Buddy”?" in Page(confirm.content).text()
    grant.refresh_from_db()
    assert grant.revoked_at is None
    response = unlocked_web.post(f"/sharing/grants/{grant.pk}/revoke/")
    assert response["Location"] == "/sharing/#grants"
    grant.refresh_from_db()
    assert grant.revoked_at is not None and bytes(grant.sealed_grant) == b""
    assert AuditEvent.objects.filter(action="grant.revoke", target_id=str(grant.pk)).exists()
    assert "Revoked" in Page(unlocked_web.get("/sharing/").content).text()


def test_another_users_grant_is_not_found(unlocked_web, bobs_web, approved_app, card_id):
    _share(unlocked_web, approved_app, card_id)
    grant = Grant.objects.get()
    assert bobs_web.get(f"/sharing/grants/{grant.pk}/revoke/").status_code == 404
    assert bobs_web.post(f"/sharing/grants/{grant.pk}/revoke/").status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_while_locked_the_list_shows_kinds_and_sharing_needs_unlocking(
    unlocked_web, alice, approved_app, card_id
):
    _share(unlocked_web, approved_app, card_id)
    unlocked_web.post("/vault/lock/")
    response = unlocked_web.get("/sharing/")
    text = Page(response.content).text()
    assert response.status_code == 200
    assert "Everyday Visa" not in text and "Bank card" in text
    assert "Unlock to share" in text
    response = _share(unlocked_web, approved_app, card_id)
    assert response.status_code == 302 and response["Location"].startswith("/vault/unlock/")
    assert Grant.objects.filter(user=alice.user).count() == 1


@pytest.fixture
def passport_with_scans(unlocked_web, alice, fs_store):
    from tests.web.test_scan_slots import upload_into

    record_id = add_record(alice, "passport", valid("passport"), label="My passport")
    for role in ("front", "selfie"):
        upload_into(unlocked_web, record_id, role)
    return record_id


def test_a_records_scans_are_boxes_of_their_own_and_go_only_when_ticked(
    unlocked_web, alice, approved_app, passport_with_scans
):
    record_id = passport_with_scans
    page = Page(unlocked_web.get("/sharing/").content)
    assert [box.attrs["value"] for box in page.find_all("input", name=f"scans_{record_id}")] == ["front", "selfie"]
    assert "Selfie holding it" in page.text() and page.unlabelled_controls() == []
    assert _share(unlocked_web, approved_app, record_id, fields=["surname"]).status_code == 302
    first = Grant.objects.get(user=alice.user)
    assert [item.scan_roles for item in first.items.all()] == [[]] and not first.scans.exists()
    data = {"app": str(approved_app.pk), "records": [record_id], "expires_in_days": "7",
            f"fields_{record_id}": ["surname"], f"scans_{record_id}": ["selfie"]}
    assert unlocked_web.post("/sharing/grants/", data).status_code == 302
    second = Grant.objects.filter(user=alice.user).exclude(pk=first.pk).get()
    assert [item.scan_roles for item in second.items.all()] == [["selfie"]]
    assert [scan.role for scan in second.scans.all()] == ["selfie"]
    assert "selfie holding it scan" in Page(unlocked_web.get("/sharing/").content).text()


def test_ticking_a_scan_of_an_unticked_record_is_refused_beside_it(
    unlocked_web, alice, approved_app, card_id, passport_with_scans
):
    data = {"app": str(approved_app.pk), "records": [card_id], "expires_in_days": "7",
            f"scans_{passport_with_scans}": ["front"]}
    response = unlocked_web.post("/sharing/grants/", data)
    assert response.status_code == 400
    assert "untick its scans" in Page(response.content).by_id(f"id_scans_{passport_with_scans}_error").text
    assert not Grant.objects.filter(user=alice.user).exists()
