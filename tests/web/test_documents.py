import pytest

from audit.models import AuditEvent
from files.models import File
from tests.records.samples import valid
from tests.web.documents_helpers import pdf_bytes, png_bytes, upload
from tests.web.html import Page
from tests.web.records_helpers import add_record


@pytest.fixture(autouse=True)
def _blobs_in_tmp(settings, tmp_path):
    settings.COFFER_STORAGE = "fs"
    settings.COFFER_BLOB_ROOT = tmp_path / "blobs"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_documents_page_offers_an_upload_with_a_progress_bar(unlocked_web):
    page = Page(unlocked_web.get("/documents/").content)
    zone = next(e for e in page.elements if "data-upload" in e.attrs)
    assert zone.attrs["data-upload-url"] == "/api/v1/files/"
    file_input = page.find_all("input", type="file")[0]
    assert page.find_all("label", for_=file_input.attrs["id"])
    assert "<progress" in page.html  # in the row template the script fills in


def test_uploaded_documents_are_listed_by_their_decrypted_names(unlocked_web):
    upload(unlocked_web, pdf_bytes(), "tenancy agreement.pdf", "application/pdf")
    upload(unlocked_web, png_bytes(), "scan.png", "image/png")
    page = Page(unlocked_web.get("/documents/").content)
    names = [e.text for e in page.elements if e.attrs.get("class") == "doc-name" and e.text]
    assert names == ["scan.png", "tenancy agreement.pdf"]


def test_a_pdf_is_previewed_in_a_frame_and_an_image_in_an_img(unlocked_web):
    pdf_id = upload(unlocked_web, pdf_bytes(), "letter.pdf", "application/pdf")
    png_id = upload(unlocked_web, png_bytes(), "scan.png", "image/png")
    frame = Page(unlocked_web.get(f"/documents/{pdf_id}/").content).by_id("preview-frame")
    assert frame.attrs["src"] == f"/documents/{pdf_id}/preview/"
    image = Page(unlocked_web.get(f"/documents/{png_id}/").content).by_id("preview-image")
    assert image.attrs["src"] == f"/documents/{png_id}/preview/"


def test_the_preview_is_inline_framable_by_us_only_and_never_cached(unlocked_web):
    data = pdf_bytes(150_000)
    file_id = upload(unlocked_web, data, "letter.pdf", "application/pdf")
    response = unlocked_web.get(f"/documents/{file_id}/preview/")
    assert response.status_code == 200
    assert _body(response) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store"


def test_the_preview_answers_ranges_for_the_pdf_viewer(unlocked_web):
    data = pdf_bytes(150_000)
    file_id = upload(unlocked_web, data, "letter.pdf", "application/pdf")
    response = unlocked_web.get(f"/documents/{file_id}/preview/", HTTP_RANGE="bytes=70000-70099")
    assert response.status_code == 206
    assert _body(response) == data[70000:70100]


def test_the_download_button_points_at_the_api(unlocked_web):
    file_id = upload(unlocked_web, pdf_bytes(), "letter.pdf", "application/pdf")
    page = Page(unlocked_web.get(f"/documents/{file_id}/").content)
    link = next(a for a in page.find_all("a") if "Download" in a.text)
    assert link.attrs["href"] == f"/api/v1/files/{file_id}/content"
    assert "download" in link.attrs


def test_a_locked_vault_shows_no_preview(unlocked_web):
    file_id = upload(unlocked_web, pdf_bytes(), "letter.pdf", "application/pdf")
    unlocked_web.post("/vault/lock/")
    response = unlocked_web.get(f"/documents/{file_id}/preview/")
    assert response.status_code == 302
    assert response["Location"].startswith("/vault/unlock/")


def test_a_document_can_be_attached_to_a_record_and_detached(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"), label="Travel passport")
    file_id = upload(unlocked_web, png_bytes(), "scan.png", "image/png")
    assert (
        unlocked_web.post(f"/documents/{file_id}/attach/", {"record": record_id}).status_code == 302
    )
    assert str(File.objects.get(pk=file_id).record_id) == record_id
    assert AuditEvent.objects.filter(action="file.attach", target_id=file_id).exists()
    record_page = Page(unlocked_web.get(f"/records/{record_id}/").content)
    assert "scan.png" in record_page.text()
    assert "Travel passport" in Page(unlocked_web.get(f"/documents/{file_id}/").content).text()
    unlocked_web.post(f"/documents/{file_id}/attach/", {"record": ""})
    assert File.objects.get(pk=file_id).record_id is None


def test_uploading_from_a_record_attaches_to_it(unlocked_web, alice):
    record_id = add_record(alice, "id_card", valid("id_card"))
    page = Page(unlocked_web.get(f"/records/{record_id}/").content)
    zone = next(e for e in page.elements if "data-upload" in e.attrs)
    assert zone.attrs["data-record"] == record_id
    file_id = upload(unlocked_web, png_bytes(), "front.png", "image/png", record=record_id)
    assert str(File.objects.get(pk=file_id).record_id) == record_id
    assert "front.png" in Page(unlocked_web.get(f"/records/{record_id}/").content).text()


def test_the_vault_list_counts_attached_documents(unlocked_web, alice):
    record_id = add_record(alice, "id_card", valid("id_card"))
    upload(unlocked_web, png_bytes(), "front.png", "image/png", record=record_id)
    upload(unlocked_web, png_bytes(), "back.png", "image/png", record=record_id)
    assert "2 documents" in Page(unlocked_web.get("/").content).text()


def test_someone_elses_record_cannot_be_chosen(unlocked_web, bob):
    bob.setup_vault()
    bobs_record = add_record(bob, "note", valid("note"))
    file_id = upload(unlocked_web, png_bytes(), "scan.png", "image/png")
    assert (
        unlocked_web.post(f"/documents/{file_id}/attach/", {"record": bobs_record}).status_code
        == 400
    )
    assert File.objects.get(pk=file_id).record_id is None


def test_deleting_asks_first_then_deletes(unlocked_web):
    file_id = upload(unlocked_web, pdf_bytes(), "old.pdf", "application/pdf")
    assert (
        "Delete “old.pdf”?"
        in Page(unlocked_web.get(f"/documents/{file_id}/delete/").content).text()
    )
    assert File.objects.filter(pk=file_id).exists()
    assert unlocked_web.post(f"/documents/{file_id}/delete/")["Location"] == "/documents/"
    assert not File.objects.filter(pk=file_id).exists()


def test_someone_elses_document_is_not_found(unlocked_web, bobs_web):
    file_id = upload(bobs_web, pdf_bytes(), "bobs.pdf", "application/pdf")
    for url in ["", "preview/", "delete/"]:
        assert unlocked_web.get(f"/documents/{file_id}/{url}").status_code == 404, url
    assert unlocked_web.post(f"/documents/{file_id}/attach/", {"record": ""}).status_code == 404
    assert unlocked_web.post(f"/documents/{file_id}/delete/").status_code == 404
    assert File.objects.filter(pk=file_id).exists()
    assert "bobs.pdf" not in unlocked_web.get("/documents/").content.decode()


def test_document_pages_are_strict(unlocked_web):
    from tests.web.test_page_safety import _check

    file_id = upload(unlocked_web, pdf_bytes(), "letter.pdf", "application/pdf")
    for url in ["/documents/", f"/documents/{file_id}/", f"/documents/{file_id}/delete/"]:
        _check(unlocked_web.get(url))


def test_flash_messages_never_carry_a_decrypted_label_or_filename(unlocked_web, alice):
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    def flashed() -> str:
        cookie = unlocked_web.cookies.get("messages")
        decoded = CookieStorage(HttpRequest())._decode(cookie.value) if cookie else []
        return " ".join(message.message for message in decoded or [])

    record_id = add_record(alice, "passport", valid("passport"), label="Travel passport")
    file_id = upload(unlocked_web, png_bytes(), "secret-name.png", "image/png")
    unlocked_web.post(f"/documents/{file_id}/attach/", {"record": record_id})
    assert "Attached" in flashed() and "Travel passport" not in flashed()
    unlocked_web.post(f"/documents/{file_id}/delete/")
    assert "deleted" in flashed() and "secret-name" not in flashed()
