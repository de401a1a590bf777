"""The record page shows open problems, and for 30 days those resolved, marked so; the
Sharing page shows open ones, and only counts them while locked; a problem can be
dismissed from either page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

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


def _item(page: str, correction_id: str) -> str:
    start = page.index(f'data-correction="{correction_id}"')
    return page[start:page.index("</li>", start)]


def test_the_record_page_shows_a_resolved_problem_as_resolved_for_30_days(browser, alice_passport, reported):
    resolved = Correction.objects.filter(pk=reported[0]["id"])
    resolved.update(resolved_at=timezone.now() - timedelta(days=29), resolved_reason="changed")
    page = browser.get(f"/records/{alice_passport['id']}/").content.decode()
    assert MESSAGE in page and "blurry" in page
    item = _item(page, reported[0]["id"])
    assert "Resolved: you changed it" in item and "Dismiss" not in item and 'data-state="resolved"' in item
    assert "Resolved" not in _item(page, reported[1]["id"]) and "Dismiss" in _item(page, reported[1]["id"])
    # The open one comes first.
    assert page.index(reported[1]["id"]) < page.index(reported[0]["id"])
    resolved.update(resolved_at=timezone.now() - timedelta(days=31))
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
    assert "Resolved: you dismissed it" in _item(browser.get(response["Location"]).content.decode(), reported[0]["id"])


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
