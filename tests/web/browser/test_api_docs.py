"""The API docs page in Chromium: every resource has its group, every operation a summary,
and the page runs under its CSP without a console error (the page fixture fails on any)."""

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_grouped_by_resource_without_a_console_error(page):
    page.goto("/api/docs/")
    for group in ("Accounts", "Vault", "Rotations", "Records", "Files", "Sharing"):
        expect(page.locator(".opblock-tag-section h3", has_text=group).first).to_be_visible()
    expect(page.locator(".opblock-summary-description", has_text="Unlock the vault with the PIN")).to_be_visible()
    assert page.locator(".opblock").count() >= 40
