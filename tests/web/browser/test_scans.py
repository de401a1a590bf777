"""Scans with roles in a real browser: a passport's front, back and selfie uploaded
straight into their slots on the record page, each then shown as a preview; a new
selfie replaces the old one."""

from playwright.sync_api import expect

from files.models import File
from tests.records.samples import valid
from tests.web.records_helpers import add_record


def _png(page, text: str, path):
    """A real, decodable PNG of a few KB, drawn by the browser itself."""
    page.set_content(f"<h1>{text}</h1>")
    path.write_bytes(page.screenshot(clip={"x": 0, "y": 0, "width": 200, "height": 120}))
    return str(path)


def test_front_back_and_selfie_go_into_their_roles_and_show_as_previews(page, alice_in_browser, tmp_path):
    record_id = add_record(alice_in_browser, "passport", valid("passport"), label="My passport")
    images = {role: _png(page, role, tmp_path / f"{role}.png") for role in ("front", "back", "selfie", "selfie2")}
    page.goto(f"/records/{record_id}/")
    for role in ("front", "back", "selfie"):
        slot = page.locator(f'[data-scan-role="{role}"]')
        slot.locator("input[type=file]").set_input_files(images[role])
        preview = page.locator(f'[data-scan-role="{role}"] img')
        expect(preview).to_have_count(1)
        # Decrypted and decoded: an image that failed to load has no natural width.
        page.wait_for_function("img => img.complete && img.naturalWidth === 200", arg=preview.element_handle())
    assert sorted(File.objects.filter(record_id=record_id).values_list("role", flat=True)) == ["back", "front", "selfie"]

    old_selfie = File.objects.get(role="selfie").pk
    page.locator('[data-scan-role="selfie"] input[type=file]').set_input_files(images["selfie2"])
    expect(page.locator('[data-scan-role="selfie"] figcaption')).to_contain_text("selfie2.png")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 200",
        arg=page.locator('[data-scan-role="selfie"] img').element_handle(),
    )
    assert not File.objects.filter(pk=old_selfie).exists()
    assert File.objects.filter(record_id=record_id, role="selfie").count() == 1
