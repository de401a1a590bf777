"""The record page and the Sharing page show open problems; locked, the Sharing page only
counts them; a problem can be dismissed from either page."""

from __future__ import annotations

import pytest
from django.test import Client

from audit.models import AuditEvent
from corrections.models import Correction
from tests.conftest import PIN

from .conftest import MESSAGE, report_ok


@pytest.fixture
def browser(unlocked_alice) -> Client:
    """Alice's browser, signed in, her vault unlocked (its cookie)."""
    client = Client()
    client.force_login(unlocked_alice.user)
    assert client.post("/vault/unlock/", {"pin": PIN}).status_code == 302
    return client


@pytest.fixture
def reported(grant, app, alice_passport) -> list[dict]:
    return [
        report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "date_of_expiry", "message": MESSAGE}),
        report_ok(app, grant["id"], {"record_id": alice_passport["id"], "scan_role": "selfie",
                                     "message": "selfie is <b>blurry</b>"}),
    ]


def test_the_record_page_shows_its_open_problems(browser, alice_passport, reported):
    page = browser.get(f"/records/{alice_passport['id']}/").content.decode()
    assert "Problems reported by apps" in page
    assert MESSAGE in page and "Demo app" in page
    assert "Expiry date" in page
    assert "Scan: Selfie holding it" in page
    # The app's words are text, never markup.
    assert "selfie is &lt;b&gt;blurry&lt;/b&gt;" in page and "<b>blurry</b>" not in page


def test_the_record_page_shows_no_resolved_problem(browser, alice_passport, reported, unlocked_alice):
    Correction.objects.filter(pk=reported[0]["id"]).update(resolved_at="2026-12-04T10:00:00Z", resolved_reason="changed")
    page = browser.get(f"/records/{alice_passport['id']}/").content.decode()
    assert MESSAGE not in page and "blurry" in page


def test_a_record_without_problems_shows_no_section(browser, alice_passport, grant):
    assert "Problems reported by apps" not in browser.get(f"/records/{alice_passport['id']}/").content.decode()


def test_the_sharing_page_lists_them_per_grant_while_unlocked(browser, reported, grant):
    page = browser.get("/sharing/").content.decode()
    assert "Problems apps reported" in page
    assert f'data-grant="{grant["id"]}"' in page and MESSAGE in page
    assert "unlock to read" not in page


def test_the_locked_sharing_page_counts_them_and_shows_no_message(browser, reported):
    assert browser.post("/vault/lock/").status_code in (200, 302)
    page = browser.get("/sharing/").content.decode()
    assert "2 problems reported" in page and "unlock to read" in page
    assert MESSAGE not in page and "blurry" not in page


def test_a_problem_is_dismissed_from_the_record_page(browser, alice_passport, reported):
    url = f"/records/{alice_passport['id']}/corrections/{reported[0]['id']}/dismiss/"
    response = browser.post(url)
    assert response.status_code == 302 and response["Location"] == f"/records/{alice_passport['id']}/"
    assert Correction.objects.get(pk=reported[0]["id"]).resolved_reason == "dismissed"
    assert AuditEvent.objects.filter(action="correction.dismiss").count() == 1
    assert MESSAGE not in browser.get(response["Location"]).content.decode()


def test_dismissing_from_the_sharing_page_returns_there(browser, alice_passport, reported):
    url = f"/records/{alice_passport['id']}/corrections/{reported[1]['id']}/dismiss/"
    response = browser.post(url, {"back": "sharing"})
    assert response.status_code == 302 and response["Location"] == "/sharing/"


def test_another_user_cannot_dismiss_from_the_web(alice_passport, reported, unlocked_bob):
    client = Client()
    client.force_login(unlocked_bob.user)
    url = f"/records/{alice_passport['id']}/corrections/{reported[0]['id']}/dismiss/"
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405
    assert Correction.objects.get(pk=reported[0]["id"]).state == "open"
