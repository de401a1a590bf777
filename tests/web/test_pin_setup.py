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


def _recovery_page(web) -> tuple[Page, str, str]:
    response = web.post("/vault/setup/", {"pin": PIN, "pin_confirm": PIN})
    page = Page(response.content)
    return page, page.by_id("recovery-code").text.strip(), response.content.decode()


def test_the_recovery_code_page_asks_for_its_last_group_back(web):
    page, code, html = _recovery_page(web)
    check = page.find_all("input", name="check")[0].attrs["value"]
    assert code.rsplit("-", 1)[-1] not in check and code not in check  # a keyed digest, not the code
    wrong = web.post("/vault/setup/saved/", {"last_group": "ZZZZ", "check": check}, follow=True)
    assert "Those were not the last four characters" in Page(wrong.content).text()
    right = web.post("/vault/setup/saved/", {"last_group": code.rsplit("-", 1)[-1].lower(), "check": check},
                     follow=True)
    assert "All set" in Page(right.content).text()


def test_the_recovery_sheet_is_a_pdf_in_the_page_with_the_code_the_user_and_what_to_do(web, alice):
    import base64
    import io

    import pypdf

    page, code, html = _recovery_page(web)
    (link,) = [a for a in page.find_all("a") if a.attrs.get("download") == "coffer-recovery-sheet.pdf"]
    prefix = "data:application/pdf;base64,"
    assert link.attrs["href"].startswith(prefix)
    pdf = base64.b64decode(link.attrs["href"][len(prefix):])
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    groups = code.split("-")
    assert "-".join(groups[:4]) in text and "-".join(groups[4:]) in text
    assert alice.user.username in text and "testserver" in text and "Nobody from Coffer will ever ask you for this code" in text


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
