"""The export pages: Settings links to them, a start page with a suggested passphrase,
a progress page that refreshes itself through a static script, and a download link."""

from __future__ import annotations

import pytest
from django.test import Client

from exports.models import ExportJob
from exports.services import export_build
from tests.conftest import PASSWORD
from tests.web.html import Page

from .conftest import PASSPHRASE


@pytest.fixture
def browser(unlocked_alice) -> Client:
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    client.cookies["coffer_unlock"] = unlocked_alice.unlock_secret
    return client


def test_settings_links_to_the_export_page(browser):
    page = browser.get("/settings/").content.decode()
    assert 'href="/settings/export/"' in page and 'id="export"' in page


def test_the_start_page_suggests_a_passphrase(browser):
    page = browser.get("/settings/export/").content.decode()
    assert 'id="export-suggestion"' in page and 'name="passphrase"' in page and "<script>" not in page


def test_a_weak_passphrase_is_shown_next_to_its_field(browser):
    response = browser.post("/settings/export/", {"passphrase": "123456"})
    assert response.status_code == 400
    assert "at least 12 characters" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_starting_leads_to_a_progress_page_then_a_download(browser, unlocked_alice):
    response = browser.post("/settings/export/", {"passphrase": PASSPHRASE})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/settings/export/{job.id}/"
    progress = browser.get(response["Location"])
    html = Page(progress.content)
    assert (html.inline_scripts(), html.inline_styles(), html.event_handler_attributes()) == ([], [], [])
    assert "no-store" in progress["Cache-Control"]
    page = progress.content.decode()
    assert "js/export.js" in page and f'data-export-url="/api/v1/exports/{job.id}/"' in page
    assert "data-export-ready hidden" in page
    export_build(job_id=job.id)
    page = browser.get(response["Location"]).content.decode()
    assert "data-export-ready hidden" not in page and f'href="/api/v1/exports/{job.id}/download"' in page
    download = browser.get(f"/api/v1/exports/{job.id}/download")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"age-encryption.org/v1\n")


def test_another_user_gets_404_for_the_progress_page(browser, unlocked_bob):
    from exports.services import export_start
    from vault.services import vault_keys

    keys = vault_keys(user=unlocked_bob.user, unlock_secret=unlocked_bob.unlock_secret)
    job = export_start(user=unlocked_bob.user, keys=keys, passphrase=PASSPHRASE)
    assert browser.get(f"/settings/export/{job.id}/").status_code == 404


def test_the_start_page_lists_recent_exports_with_their_pages(browser):
    browser.post("/settings/export/", {"passphrase": PASSPHRASE})
    job = ExportJob.objects.get()
    page = browser.get("/settings/export/").content.decode()
    assert f'href="/settings/export/{job.id}/"' in page and "being made" in page
