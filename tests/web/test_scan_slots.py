"""The record page's scan slots: one per role the kind takes, each uploading straight
into its role through the files API (PUT for a single role that holds a scan), with an
image preview of what is there."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from tests.records.samples import valid
from tests.web.documents_helpers import png_bytes
from tests.web.records_helpers import add_record


def upload_into(client, record_id: str, role: str, *, method: str = "post") -> str:
    upload = SimpleUploadedFile(f"{role}.png", png_bytes(), content_type="image/png")
    url = f"/api/v1/records/{record_id}/files/{role}/"
    if method == "post":
        response = client.post(url, {"file": upload}, HTTP_ACCEPT="application/json")
    else:
        response = client.put(url, encode_multipart(BOUNDARY, {"file": upload}), content_type=MULTIPART_CONTENT,
                              HTTP_ACCEPT="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def slot(html: str, role: str) -> str:
    match = re.search(rf'<div class="scan-slot" data-scan-role="{role}">(.*?)</div>\s*(?=<div class="scan-slot"|</section>)',
                      html, re.S)
    assert match, f"no {role} slot"
    return match.group(1)


def test_it_shows_a_slot_for_each_role_a_passport_takes(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    html = unlocked_web.get(f"/records/{record_id}/").content.decode()
    assert re.findall(r'data-scan-role="(\w+)"', html) == ["front", "back", "selfie", "translation", "other"]
    assert f'data-upload-url="/api/v1/records/{record_id}/files/front/"' in html


def test_it_previews_the_scan_in_its_role_and_offers_to_replace_it(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    front = upload_into(unlocked_web, record_id, "front")
    html = unlocked_web.get(f"/records/{record_id}/").content.decode()
    assert f'<img src="/documents/{front}/preview/"' in slot(html, "front")
    assert 'data-upload-method="PUT"' in slot(html, "front")
    assert "<img" not in slot(html, "back")
    assert 'data-upload-method' not in slot(html, "back")
    assert front not in html.split('id="documents"')[1].split('id="scans"')[0]  # not again among the loose ones


def test_it_shows_the_replacement_after_a_put_from_the_page(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    old = upload_into(unlocked_web, record_id, "selfie")
    new = upload_into(unlocked_web, record_id, "selfie", method="put")
    html = unlocked_web.get(f"/records/{record_id}/").content.decode()
    assert new in slot(html, "selfie") and old not in html


def test_it_shows_no_scan_slots_for_a_note(unlocked_web, alice):
    record_id = add_record(alice, "note", valid("note"))
    assert 'data-scan-role' not in unlocked_web.get(f"/records/{record_id}/").content.decode()


def test_moving_a_scan_to_another_record_from_its_page_drops_its_role(unlocked_web, alice):
    from files.models import File

    first = add_record(alice, "passport", valid("passport"))
    second = add_record(alice, "passport", valid("passport"))
    upload_into(unlocked_web, second, "front")
    moved = upload_into(unlocked_web, first, "front")
    response = unlocked_web.post(f"/documents/{moved}/attach/", {"record": second})
    assert response.status_code == 302
    file = File.objects.get(pk=moved)
    assert (str(file.record_id), file.role) == (second, "")
    assert File.objects.filter(record_id=second, role="front").count() == 1
