"""Documents in a real browser: upload with a progress bar, preview, download, drag and drop, delete."""

import base64
import os
import re
import time
from pathlib import Path

from playwright.sync_api import expect

from audit.models import AuditEvent
from files.models import File
from tests.records.samples import valid
from tests.web.browser.conftest import PDF_VIEWER
from tests.web.documents_helpers import png_bytes
from tests.web.records_helpers import add_record

# Upload bandwidth while the PDF goes up, so the progress bar has time to move.
UPLOAD_BYTES_PER_SECOND = 96 * 1024


def _real_pdf(browser, tmp_path) -> bytes:
    """A real, renderable PDF of a few hundred KB (incompressible text makes it big)."""
    page = browser.new_page()
    noise = base64.b64encode(os.urandom(180_000)).decode()
    page.set_content(f"<h1>Tenancy agreement</h1><p style='word-break:break-all'>{noise}</p>")
    data = page.pdf()
    page.close()
    return data


def _wait_for(page, predicate, what: str, timeout: float = 10.0) -> None:
    """Polls while Playwright keeps processing browser events (time.sleep would stall them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def test_upload_a_pdf_see_its_progress_preview_it_and_download_the_same_bytes(
    page, browser, alice_in_browser, tmp_path
):
    data = _real_pdf(browser, tmp_path)
    source = tmp_path / "tenancy agreement.pdf"
    source.write_bytes(data)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Documents").click()

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_SECOND,
        },
    )
    page.locator("[data-upload] input[type=file]").set_input_files(str(source))
    row = page.locator(".upload-row").first
    progress = row.locator("progress")
    expect(progress).to_be_visible()
    # The bar moves with the bytes sent, not in one jump at the end.
    _wait_for(page, lambda: 0 < float(progress.evaluate("p => p.value")) < 100, "the bar to move")
    expect(row).to_contain_text("Saved", timeout=20_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    assert float(progress.evaluate("p => p.value")) == 100
    assert int(page.locator("[data-upload]").get_attribute("data-saw-progress")) > 0
    # The new document joins the list without a reload.
    expect(page.locator("#doc-grid")).to_contain_text("tenancy agreement.pdf")

    # Preview: Chromium's PDF viewer renders it inside our page.
    row.get_by_role("link", name="Open tenancy agreement.pdf").click()
    expect(page.get_by_role("heading", name="tenancy agreement.pdf")).to_be_visible()
    expect(page.locator("#preview-frame")).to_be_visible()
    _wait_for(
        page,
        lambda: any(frame.url.startswith(PDF_VIEWER) for frame in page.frames),
        "the PDF viewer",
    )

    # Download: the same bytes come back.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "tenancy agreement.pdf"
    assert Path(download.path()).read_bytes() == data


def test_drop_an_image_attach_it_to_a_record_and_delete_it(page, alice_in_browser):
    alice = alice_in_browser
    add_record(alice, "id_card", valid("id_card"), label="My ID card")
    page.goto("/documents/")

    # Drag and drop: a file dropped on the zone uploads like a chosen one.
    image = base64.b64encode(png_bytes(20_000)).decode()
    transfer = page.evaluate_handle(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "id-front.png", {type: "image/png"}));
            return transfer;
        }""",
        image,
    )
    page.dispatch_event("[data-upload]", "dragenter", {"dataTransfer": transfer})
    expect(page.locator("[data-upload]")).to_have_class(re.compile("is-over"))
    page.dispatch_event("[data-upload]", "drop", {"dataTransfer": transfer})
    expect(page.locator(".upload-row").first).to_contain_text("Saved")
    file = File.objects.get(owner=alice.user)

    # An image previews in an <img>.
    page.locator("#doc-grid").get_by_role("link", name=re.compile("id-front.png")).click()
    preview = page.get_by_role("img", name="Preview of id-front.png")
    expect(preview).to_be_visible()

    # Attach it to the ID card: the record's page lists it.
    page.get_by_label("Attach to a record").select_option(label="My ID card")
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_role("status")).to_contain_text("Attached.")
    expect(page.get_by_role("link", name="My ID card")).to_be_visible()
    page.get_by_role("link", name="My ID card").click()
    expect(page.locator("#record-docs")).to_contain_text("id-front.png")
    assert AuditEvent.objects.filter(action="file.attach", target_id=str(file.pk)).exists()

    # Delete asks first.
    page.locator("#record-docs").get_by_role("link", name="id-front.png").click()
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete “id-front.png”?")).to_be_visible()
    assert File.objects.filter(pk=file.pk).exists()
    page.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_role("status")).to_contain_text("Document deleted.")
    assert not File.objects.filter(pk=file.pk).exists()


def test_a_scan_uploaded_from_a_record_page_is_attached_to_it(page, alice_in_browser, tmp_path):
    alice = alice_in_browser
    record_id = add_record(alice, "passport", valid("passport"), label="Travel passport")
    scan = tmp_path / "passport page.png"
    scan.write_bytes(png_bytes(30_000))
    page.goto(f"/records/{record_id}/")
    page.locator("#documents [data-upload] input[type=file]").set_input_files(str(scan))
    expect(page.locator(".upload-row").first).to_contain_text("Saved")
    expect(page.locator("#record-docs")).to_contain_text("passport page.png")
    assert str(File.objects.get(owner=alice.user).record_id) == record_id


def test_a_refused_upload_says_why_in_its_own_row_beside_its_name(page, alice_in_browser, tmp_path):
    good, bad = tmp_path / "passport scan.png", tmp_path / "shopping list.txt"
    good.write_bytes(png_bytes())
    bad.write_bytes(b"milk, eggs, bread\n")
    page.goto("/documents/")
    page.locator("#upload-input").set_input_files([str(bad), str(good)])
    refused = page.locator(".upload-row", has_text="shopping list.txt")
    saved = page.locator(".upload-row", has_text="passport scan.png")
    expect(saved.locator("[data-state]")).to_contain_text("Saved")
    expect(refused).to_have_class(re.compile(r"\bis-failed\b"))
    reason = refused.locator("[data-state]").inner_text()
    assert reason and "shopping list.txt" not in reason and "Saved" not in reason
    assert "passport scan.png" not in refused.inner_text()
    assert File.objects.count() == 1
