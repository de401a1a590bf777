"""Start a re-encryption and watch it finish.

The live server runs in this process and Celery is not eager in tests, so starting
the job only enqueues its first step (on this run's own queue, which the Celery
worker fixture purges before use). The test then does what a worker does: it
calls rotation_step, the task's body, until the job is done, while the page polls
GET /api/v1/vault/rotations/{id}/ and moves its progress bar. A real worker
running the same step is what tests/rotation covers, crashes included.
"""

from pathlib import Path

from playwright.sync_api import expect

from files.models import File
from records.models import Record
from tests.records.samples import valid
from tests.web.documents_helpers import pdf_bytes
from tests.web.records_helpers import add_record
from vault.models import RotationJob
from vault.rotation.services import rotation_step


def test_start_a_reencryption_and_watch_it_finish(page, alice_in_browser, tmp_path):
    alice = alice_in_browser
    for kind in ["passport", "bank_card", "note"]:
        add_record(alice, kind, valid(kind))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(200_000))
    page.goto("/documents/")
    page.locator("[data-upload] input[type=file]").set_input_files(str(scan))
    expect(page.locator(".upload-row").first).to_contain_text("Saved")

    page.goto("/settings/")
    page.get_by_role("button", name="Re-encrypt everything").click()
    expect(page.get_by_role("heading", name="Re-encrypt everything?")).to_be_visible()
    expect(page.get_by_text("3 records and 1 document")).to_be_visible()
    page.get_by_role("button", name="Start re-encrypting").click()
    box = page.locator("[data-rotation]")
    expect(box).to_contain_text("Re-encryption to version 2")
    expect(box.locator("[data-rotation-state]")).to_have_text("Running")
    expect(box.locator("[data-rotation-text]")).to_have_text("0 of 4 items done")
    expect(page.get_by_role("button", name="Rotate the vault key")).to_be_disabled()

    job = RotationJob.objects.get(vault__user=alice.user)
    with page.expect_response(
        lambda response: f"/api/v1/vault/rotations/{job.id}/" in response.url
    ):
        while not rotation_step(job_id=job.id, budget_seconds=5).finished:
            pass

    expect(box.locator("[data-rotation-state]")).to_have_text("Finished")
    expect(box.locator("[data-rotation-text]")).to_have_text("4 of 4 items done")
    progress = box.locator("progress")
    assert progress.evaluate("p => [p.value, p.max]") == [4, 4]
    expect(page.get_by_role("button", name="Rotate the vault key")).to_be_enabled()
    assert set(Record.objects.filter(owner=alice.user).values_list("dek_version", flat=True)) == {2}
    assert set(
        File.objects.filter(owner=alice.user).values_list("vault_key_version", flat=True)
    ) == {2}

    # Everything still opens under the new keys.
    page.goto("/documents/")
    page.locator("#doc-grid").get_by_role("link").first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert Path(download.value.path()).read_bytes() == scan.read_bytes()
