from django.conf import settings

from accounts.models import AccessToken
from audit.models import AuditEvent
from tests.conftest import PIN
from tests.records.samples import valid
from tests.web.html import Page
from tests.web.records_helpers import add_record
from vault.models import RotationJob

NEW_PIN = "730194"


def test_changing_the_pin_keeps_this_session_unlocked_and_ends_every_other(unlocked_web, alice):
    other = alice.unlock()  # another device: an API session under the old PIN
    assert other.client.get("/api/v1/records/").status_code == 200
    response = unlocked_web.post(
        "/settings/pin/", {"pin": PIN, "new_pin": NEW_PIN, "new_pin_confirm": NEW_PIN}
    )
    assert response["Location"] == "/settings/#pin"
    assert settings.COFFER_UNLOCK_COOKIE not in response.cookies  # the same session carries over
    assert unlocked_web.get("/").status_code == 200
    assert other.client.get("/api/v1/records/").status_code == 423
    unlocked_web.post("/vault/lock/")
    assert unlocked_web.post("/vault/unlock/", {"pin": PIN}).status_code == 403
    assert unlocked_web.post("/vault/unlock/", {"pin": NEW_PIN}).status_code == 302
    assert AuditEvent.objects.filter(action="vault.pin_change", actor=alice.user).exists()


def test_a_wrong_current_pin_is_shown_next_to_it(unlocked_web):
    response = unlocked_web.post(
        "/settings/pin/", {"pin": "918273", "new_pin": NEW_PIN, "new_pin_confirm": NEW_PIN}
    )
    assert response.status_code == 403
    assert "Wrong PIN" in Page(response.content).described_by("id_pin")[-1]


def test_a_weak_new_pin_is_shown_next_to_it(unlocked_web):
    response = unlocked_web.post(
        "/settings/pin/", {"pin": PIN, "new_pin": "111111", "new_pin_confirm": "111111"}
    )
    assert response.status_code == 400
    assert "too easy to guess" in Page(response.content).described_by("id_new_pin")[-1]


def _once(web) -> str:
    """The one-time value of the token form, as the settings page gives it."""
    return Page(web.get("/settings/").content).by_id("id_once").attrs["value"]


def test_a_new_pin_equal_to_the_current_one_is_shown_next_to_it(unlocked_web):
    response = unlocked_web.post("/settings/pin/", {"pin": PIN, "new_pin": PIN, "new_pin_confirm": PIN})
    assert response.status_code == 400
    assert "same as the current one" in Page(response.content).described_by("id_new_pin")[-1]


def test_a_token_is_shown_once_and_only_its_hash_is_kept(unlocked_web, alice):
    response = unlocked_web.post(
        "/settings/tokens/",
        {"name": "Budget app", "scopes": ["records:read", "files:read"], "expires_in_days": "30",
         "once": _once(unlocked_web)},
    )
    assert response.status_code == 200
    token = Page(response.content).by_id("new-token").text.strip()
    assert token.startswith("cof_")
    stored = AccessToken.objects.get(user=alice.user, name="Budget app")
    assert stored.scopes == ["files:read", "records:read"]
    assert stored.expires_at is not None
    assert token not in unlocked_web.get("/settings/").content.decode()
    assert response["Cache-Control"] == "no-store"


def test_sending_the_token_form_again_makes_no_second_token(unlocked_web, alice):
    form = {"name": "Budget app", "scopes": ["records:read"], "expires_in_days": "30", "once": _once(unlocked_web)}
    first = unlocked_web.post("/settings/tokens/", form)
    token = Page(first.content).by_id("new-token").text.strip()
    assert first.status_code == 200 and token.startswith("cof_")
    again = unlocked_web.post("/settings/tokens/", form)  # the browser's reload
    assert again.status_code == 302 and again["Location"] == "/settings/#tokens"
    assert AccessToken.objects.filter(user=alice.user, name="Budget app").count() == 1
    page = unlocked_web.get("/settings/").content.decode()
    assert "made already" in page and token not in page
    stale = unlocked_web.post("/settings/tokens/", {k: v for k, v in form.items() if k != "once"})
    assert stale.status_code == 400 and AccessToken.objects.filter(user=alice.user, name="Budget app").count() == 1
    assert unlocked_web.post("/settings/tokens/", {**form, "once": _once(unlocked_web)}).status_code == 200
    assert AccessToken.objects.filter(user=alice.user, name="Budget app").count() == 2  # a new page, a new token


def test_a_token_needs_a_name_and_a_scope(unlocked_web):
    response = unlocked_web.post("/settings/tokens/", {"name": "", "expires_in_days": "", "once": _once(unlocked_web)})
    page = Page(response.content)
    assert response.status_code == 400
    assert page.described_by("id_name")[-1] == "This field is required."
    assert "Choose at least one" in page.by_id("id_scopes_error").text


def test_revoking_a_token_asks_first(unlocked_web, alice):
    unlocked_web.post("/settings/tokens/", {"name": "Old app", "scopes": ["records:read"], "once": _once(unlocked_web)})
    token = AccessToken.objects.get(user=alice.user, name="Old app")
    assert (
        "Revoke “Old app”?"
        in Page(unlocked_web.get(f"/settings/tokens/{token.pk}/revoke/").content).text()
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    assert (
        unlocked_web.post(f"/settings/tokens/{token.pk}/revoke/")["Location"] == "/settings/#tokens"
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_someone_elses_token_is_not_found(unlocked_web, bob):
    token_id = AccessToken.objects.get(user=bob.user).pk
    assert unlocked_web.get(f"/settings/tokens/{token_id}/revoke/").status_code == 404
    assert unlocked_web.post(f"/settings/tokens/{token_id}/revoke/").status_code == 404
    assert AccessToken.objects.get(pk=token_id).revoked_at is None


def test_a_rotation_first_says_what_it_does_and_how_long_and_starts_only_when_confirmed(unlocked_web, alice):
    for _ in range(3):
        add_record(alice, "note", valid("note"))
    for kind, says, button in (("rewrap", "Your files are not rewritten", "Start rotating"),
                               ("reencrypt", "writes every encrypted byte again", "Start re-encrypting")):
        page = Page(unlocked_web.get(f"/settings/rotation/?kind={kind}").content)
        text = page.text()
        assert says in text and "3 records and 0 documents" in text and "Under a minute" in text
        assert button in text and page.find_all("input", name="confirmed", value="yes")
        assert unlocked_web.post("/settings/rotation/", {"kind": kind}).status_code == 200  # asks, starts nothing
    assert not RotationJob.objects.filter(vault__user=alice.user).exists()
    assert unlocked_web.get("/settings/rotation/?kind=other")["Location"] == "/settings/#keys"


def test_the_estimate_grows_with_what_is_stored():
    from vault.rotation.estimates import RATES, RotationEstimate

    items_per_second, bytes_per_second = RATES["reencrypt"]
    assert RotationEstimate(0, 0, 0, 59).duration_text == "under a minute"
    assert RotationEstimate(0, 0, 0, 61).duration_text == "about 2 minutes"
    assert RotationEstimate(0, 0, 0, 3 * 3600).duration_text == "about 3 hours"
    assert bytes_per_second > 0 and items_per_second > 0


def test_starting_a_reencryption_shows_its_progress(unlocked_web, alice):
    add_record(alice, "note", valid("note"))
    response = unlocked_web.post("/settings/rotation/", {"kind": "reencrypt", "confirmed": "yes"})
    assert response["Location"] == "/settings/#keys"
    job = RotationJob.objects.get(vault__user=alice.user)
    assert job.kind == "reencrypt"
    page = Page(unlocked_web.get("/settings/").content)
    box = next(e for e in page.elements if "data-rotation" in e.attrs)
    assert box.attrs["data-rotation-url"] == f"/api/v1/vault/rotations/{job.id}/"
    assert page.find_all("progress")[0].attrs["max"] == "1"
    assert all("disabled" in b.attrs for b in page.elements if "data-rotation-start" in b.attrs)


def test_a_second_rotation_while_one_runs_is_refused_politely(unlocked_web, alice):
    add_record(alice, "note", valid("note"))
    unlocked_web.post("/settings/rotation/", {"kind": "rewrap", "confirmed": "yes"})
    unlocked_web.post("/settings/rotation/", {"kind": "rewrap", "confirmed": "yes"})
    assert RotationJob.objects.filter(vault__user=alice.user).count() == 1
    assert "already running" in Page(unlocked_web.get("/settings/").content).text()


def test_a_new_recovery_code_is_shown_once_with_its_sheet_and_the_old_one_stops(unlocked_web, alice):
    old_code = alice.recovery_code
    response = unlocked_web.post("/settings/recovery-code/", {"pin": alice.pin})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your new recovery code" in page and "data:application/pdf;base64," in page
    refused = alice.client.post("/api/v1/vault/recover", {"recovery_code": old_code, "new_pin": "739164"},
                                format="json")
    assert refused.status_code == 403


def test_a_wrong_pin_for_a_new_recovery_code_is_shown_next_to_its_field(unlocked_web, alice):
    response = unlocked_web.post("/settings/recovery-code/", {"pin": "111222333"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'id="recovery_pin_error"' in page and 'aria-invalid="true"' in page
    assert "Your new recovery code" not in page
