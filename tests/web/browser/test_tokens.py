"""API tokens: created and shown once, then revoked after a confirmation."""

from playwright.sync_api import expect

from accounts.models import AccessToken


def test_create_an_api_token_and_revoke_it(page, alice_in_browser, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/settings/")
    page.get_by_text("Create a token").click()
    page.get_by_label("Token name").fill("Budget app")
    page.get_by_label("Read documents").check()
    page.get_by_role("button", name="Create token").click()

    shown = page.locator("#new-token")
    expect(shown).to_be_visible()
    token = shown.inner_text().strip()
    assert token.startswith("cof_")
    page.locator("[data-copy-target=new-token]").click()
    assert page.evaluate("navigator.clipboard.readText()") == token
    assert AccessToken.objects.get(user=alice_in_browser.user, name="Budget app").scopes == [
        "files:read",
        "records:read",
    ]

    api = page.context.request
    headers = {"Authorization": f"Token {token}"}
    assert api.get(f"{live_server.url}/api/v1/vault", headers=headers).status == 200

    # Shown once: coming back to the page, it is gone.
    page.goto("/settings/")
    assert token not in page.content()

    page.get_by_role("link", name="Revoke Budget app").click()
    expect(page.get_by_role("heading", name="Revoke “Budget app”?")).to_be_visible()
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_role("status")).to_contain_text("Token “Budget app” revoked.")
    expect(page.get_by_role("row", name="Budget app")).to_contain_text("Revoked")
    assert api.get(f"{live_server.url}/api/v1/vault", headers=headers).status == 401
