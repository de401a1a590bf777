from audit.models import AuditEvent
from tests.conftest import PIN
from tests.web.html import Page
from vault.models import Vault


def test_a_visitor_without_a_pin_is_sent_to_set_one(web):
    assert web.get("/")["Location"] == "/vault/setup/"


def test_setting_a_pin_shows_the_recovery_code_once(web, alice):
    response = web.post("/vault/setup/", {"pin": PIN, "pin_confirm": PIN})
    assert response.status_code == 200
    page = Page(response.content)
    code = page.by_id("recovery-code").text.strip()
    assert len(code.replace("-", "")) >= 26
    assert Vault.objects.filter(user=alice.user).exists()
    # Nowhere to be found afterwards: not in a cookie, the session, or another page.
    assert code not in str(web.cookies)
    assert code not in str(dict(web.session))
    assert web.get("/vault/setup/")["Location"] == "/"
    assert code not in web.get("/vault/unlock/").content.decode()


def test_the_recovery_code_page_asks_to_confirm_it_was_written_down(web):
    page = Page(web.post("/vault/setup/", {"pin": PIN, "pin_confirm": PIN}).content)
    box = page.find_all("input", type="checkbox")[0]
    assert box.attrs["name"] == "saved"
    assert "required" in box.attrs
    response = web.post("/vault/setup/saved/", {"saved": "on"})
    assert response["Location"] == "/vault/unlock/"


def test_a_weak_pin_is_refused_next_to_the_field(web, alice):
    response = web.post("/vault/setup/", {"pin": "123456", "pin_confirm": "123456"})
    assert response.status_code == 400
    page = Page(response.content)
    assert page.by_id("id_pin").attrs["aria-invalid"] == "true"
    assert "too easy to guess" in page.described_by("id_pin")[-1]
    assert not Vault.objects.filter(user=alice.user).exists()


def test_the_two_pins_must_match(web, alice):
    response = web.post("/vault/setup/", {"pin": PIN, "pin_confirm": "918273"})
    assert response.status_code == 400
    assert (
        Page(response.content).described_by("id_pin_confirm")[-1]
        == "The two PINs are not the same."
    )


def test_setting_a_pin_is_audited(web, alice):
    web.post("/vault/setup/", {"pin": PIN, "pin_confirm": PIN})
    assert AuditEvent.objects.filter(action="vault.setup", actor=alice.user).exists()
