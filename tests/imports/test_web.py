"""The import pages: Settings links to them; upload, preview, confirm, progress."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from imports.models import ImportJob
from records.models import Record
from tests.conftest import PIN
from tests.imports.conftest import fixture_bytes, run
from tests.web.test_page_safety import _check


@pytest.fixture
def web(client, alice):
    client.force_login(alice.user)
    alice.setup_vault()
    assert client.post("/vault/unlock/", {"pin": PIN}).status_code == 302
    return client


def _source(name: str = "cxf.json", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, fixture_bytes("cxf_every_field.json") if content is None else content)


def test_settings_links_to_the_import_page(web):
    page = web.get("/settings/").content.decode()
    assert 'id="import"' in page and 'href="/settings/import/"' in page
    assert web.get("/settings/import/").status_code == 200


def test_uploading_shows_the_preview_and_writes_nothing(web):
    response = web.post("/settings/import/", {"source": _source()})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/settings/import/{job.id}/"
    page = web.get(response["Location"]).content.decode()
    assert "Before you import" in page and "Reisepass" in page
    assert "a &#x27;basic-auth&#x27; credential" in page and "Coffer holds no credential of this type." in page
    assert Record.objects.count() == 0


def test_confirming_starts_the_import_and_the_page_shows_the_outcome(web):
    web.post("/settings/import/", {"source": _source()})
    job = ImportJob.objects.get()
    response = web.post(f"/settings/import/{job.id}/confirm")
    assert response.status_code == 302
    assert ImportJob.objects.get().state == "running"
    assert "data-import-progress" in web.get(f"/settings/import/{job.id}/").content.decode()
    run(str(job.id))
    page = web.get(f"/settings/import/{job.id}/").content.decode()
    assert "5 records and 0 documents imported." in page
    assert Record.objects.count() == 5


def test_cancelling_returns_to_settings(web):
    web.post("/settings/import/", {"source": _source()})
    job = ImportJob.objects.get()
    assert web.post(f"/settings/import/{job.id}/cancel")["Location"] == "/settings/#import"
    assert ImportJob.objects.get().state == "cancelled"


def test_a_file_of_no_known_format_is_shown_on_the_form(web):
    response = web.post("/settings/import/", {"source": _source("x.bin", b"\x00 nothing")})
    assert response.status_code == 400
    assert "neither a Coffer export" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_an_upload_without_the_csrf_token_is_refused_and_stores_nothing(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    alice.setup_vault()
    page = client.get("/vault/unlock/")
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    assert client.post("/vault/unlock/", {"pin": PIN, "csrfmiddlewaretoken": token}).status_code == 302
    assert client.post("/settings/import/", {"source": _source()}).status_code == 403
    assert ImportJob.objects.count() == 0
    assert client.post("/settings/import/", {"source": _source(), "csrfmiddlewaretoken": token}).status_code == 302


def test_another_user_gets_404_for_an_import_page(web, bob):
    web.post("/settings/import/", {"source": _source()})
    job = ImportJob.objects.get()
    bob.setup_vault()
    other = Client()
    other.force_login(bob.user)
    assert other.post("/vault/unlock/", {"pin": PIN}).status_code == 302
    assert other.get(f"/settings/import/{job.id}/").status_code == 404
    assert other.post(f"/settings/import/{job.id}/confirm").status_code == 404
    assert other.post(f"/settings/import/{job.id}/cancel").status_code == 404
    assert ImportJob.objects.get().state == "preview"


def test_the_import_pages_are_as_strict_as_every_other_page(web):
    """tests/web/test_page_safety.py's checks: strict CSP, no inline script or style, no
    event handler attributes, a CSRF token in every POST form, a label for every control."""
    web.post("/settings/import/", {"source": _source()})
    job = ImportJob.objects.get()
    _check(web.get("/settings/import/"))
    _check(web.get(f"/settings/import/{job.id}/"))  # the preview
    web.post(f"/settings/import/{job.id}/confirm")
    _check(web.get(f"/settings/import/{job.id}/"))  # running
    run(str(job.id))
    _check(web.get(f"/settings/import/{job.id}/"))  # done
