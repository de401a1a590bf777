"""Issue 19, end to end in Chromium: a passport with its front, back and selfie in their
roles; shared with the example app with its front scan (and its selfie, which the app
must see to judge it); the app (coffer-client, over HTTP) downloads and decrypts the
scans and checks each against the SHA-256 its user signed; the app reports that the
selfie is blurry; the user sees it, replaces the selfie, and the problem shows resolved."""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from files.models import File
from sharing.models import App, Grant
from sharing.services import app_approve
from tests.records.samples import valid
from tests.web.records_helpers import add_record

from .test_axe import _sweep
from .test_scans import _png

# The app's side is coffer-client, from this repository (as tests/client/conftest.py loads it).
CLIENT_DIR = Path(__file__).resolve().parents[3] / "clients" / "python"
if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))


def _upload_into(page, role: str, path: str) -> None:
    page.locator(f'[data-scan-role="{role}"] input[type=file]').set_input_files(path)
    preview = page.locator(f'[data-scan-role="{role}"] img')
    expect(preview).to_have_count(1)
    # Decrypted and decoded: an image that failed to load has no natural width.
    page.wait_for_function("img => img.complete && img.naturalWidth === 200", arg=preview.element_handle())


@pytest.mark.django_db(transaction=True)
def test_a_passport_scan_shared_with_an_app_verified_and_corrected(page, alice_in_browser, live_server, tmp_path):
    from coffer_client import AppClient, AppKeys

    with AppClient(live_server.url, AppKeys.generate()) as app:
        app.register(name="Example app", callback_url="https://app.example/coffer/callback")
        app_approve(app=App.objects.get(id=app.keys.app_id), actor=None)

        # The passport, with its three scans uploaded into their slots, each previewed.
        record_id = add_record(alice_in_browser, "passport", valid("passport"), label="My passport")
        images = {role: _png(page, role, tmp_path / f"{role}.png") for role in ("front", "back", "selfie", "sharp")}
        page.goto(f"/records/{record_id}/")
        for role in ("front", "back", "selfie"):
            _upload_into(page, role, images[role])

        # Shared with the example app: its surname, its front and its selfie; not its back.
        page.goto("/sharing/")
        page.get_by_label("App", exact=True).select_option(label="Example app")
        page.get_by_role("group", name=re.compile("Records to share")).get_by_label(
            "My passport (Passport)").check()
        scans = page.get_by_role("group", name=re.compile("^Scans of “My passport"))
        expect(scans).to_be_visible()
        scans.get_by_label("Front", exact=True).check()
        scans.get_by_label("Selfie holding it", exact=True).check()
        page.get_by_text("Share only some fields").click()
        page.get_by_role("group", name=re.compile("^Fields of “My passport")).get_by_label("Surname").check()
        page.get_by_role("button", name="Share", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Shared 1 record with Example app")
        grant = Grant.objects.get(app_id=app.keys.app_id)
        assert [item.scan_roles for item in grant.items.all()] == [["front", "selfie"]]

        # The app opens the grant, downloads the scans and checks them against the signature.
        [opened] = app.grants()
        [record] = opened.records
        assert record.fields == {"surname": valid("passport")["surname"]}
        assert [scan.role for scan in record.scans] == ["front", "selfie"]
        for scan in record.scans:
            sent = (tmp_path / f"{scan.role}.png").read_bytes()
            assert scan.sha256 == hashlib.sha256(sent).hexdigest()
            got = app.download_scan(opened, scan, tmp_path / f"received-{scan.role}.png")
            assert got.read_bytes() == sent

        # The app asks for a sharper selfie; the user sees it on the record.
        app.report_correction(opened.grant_id, record.id, scan_role="selfie", message="The selfie is blurry.")
        page.goto(f"/records/{record_id}/")
        problems = page.get_by_role("region", name=re.compile("Problems reported"))
        expect(problems).to_contain_text("The selfie is blurry.")
        expect(problems).to_contain_text("Example app")
        page.goto("/sharing/")
        expect(page.locator("main")).to_contain_text("The selfie is blurry.")

        # A new selfie resolves it, and the app learns so.
        old_selfie = File.objects.get(record_id=record_id, role="selfie").pk
        page.goto(f"/records/{record_id}/")
        page.locator('[data-scan-role="selfie"] input[type=file]').set_input_files(images["sharp"])
        expect(page.locator('[data-scan-role="selfie"] figcaption')).to_contain_text("sharp.png")
        assert not File.objects.filter(pk=old_selfie).exists()
        page.reload()
        expect(page.get_by_role("region", name=re.compile("Problems reported"))).to_contain_text(
            "Resolved: you changed it")
        [reported] = app.corrections(opened.grant_id)
        assert reported["state"] == "resolved"
        # The record page with its problems section, and the Sharing page with its scan
        # choices, at both widths and in dark mode: no serious accessibility violation.
        app.report_correction(opened.grant_id, record.id, field="surname", message="Spell it as on the scan.")
        assert _sweep(page, [f"/records/{record_id}/", "/sharing/"]) == []
