"""Export the vault from Settings and watch the progress page turn into a download.

As in test_rotation.py, no Celery worker runs here: the test calls the build task's
body (exports.services.export_build) while the page polls GET /api/v1/exports/{id}/
through static/js/export.js. tests/exports covers real workers, crashes included."""

import re
from pathlib import Path

from playwright.sync_api import expect

from exports.age import age_decrypt_stream
from exports.models import ExportJob
from exports.services import export_build
from tests.records.samples import valid
from tests.web.records_helpers import add_record

PASSPHRASE = "orbit-velvet-glacier-tundra"


def test_export_from_settings_and_download_it(page, alice_in_browser):
    alice = alice_in_browser
    add_record(alice, "note", valid("note"))
    page.goto("/settings/")
    page.get_by_role("link", name="Export my vault").click()
    expect(page.get_by_role("heading", name="Export your vault")).to_be_visible()
    expect(page.locator("#export-suggestion")).to_have_text(re.compile(r"^[a-z0-9]{5}(-[a-z0-9]{5}){5}$"))
    page.get_by_label("Export passphrase").fill("123456")
    page.get_by_role("button", name="Make the export").click()
    expect(page.locator("#id_passphrase_error")).to_contain_text("at least 12 characters")
    page.get_by_label("Export passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Make the export").click()

    box = page.locator("[data-export]")
    expect(box.locator("[data-export-state]")).to_have_text("Being made")
    expect(box.locator("[data-export-ready]")).to_be_hidden()
    job = ExportJob.objects.get(vault__user=alice.user)
    with page.expect_response(lambda response: f"/api/v1/exports/{job.id}/" in response.url):
        export_build(job_id=job.id)
    expect(box.locator("[data-export-state]")).to_have_text("Ready")
    expect(box.locator("[data-export-text]")).to_contain_text("1 of 1 records and documents")
    with page.expect_download() as download:
        box.get_by_role("link", name=f"Download {job.filename}").click()
    encrypted = Path(download.value.path()).read_bytes()
    assert b"".join(age_decrypt_stream(PASSPHRASE, [encrypted])).startswith(b"coffer-export/README.txt")
