"""The admin's audit list shows every column at 1280 px, without a sideways scroll."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import PASSWORD
from tests.records.samples import valid
from tests.support.second_factor import give_totp
from tests.web.records_helpers import add_record


@pytest.mark.django_db(transaction=True)
def test_the_audit_list_fits_a_laptop_screen(page, alice_in_browser, live_server):
    add_record(alice_in_browser, "passport", valid("passport"), label="My passport")  # a UUID target
    admin_user = get_user_model().objects.create_superuser(username="root", password=PASSWORD, email="root@example.test")
    give_totp(admin_user)
    client = Client()
    client.force_login(admin_user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/admin/audit/auditevent/")
    results = page.locator("#changelist .results")
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth"), results.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert page.get_by_role("columnheader", name="hash").is_visible()
    assert page.locator('link[rel="icon"]').count() == 1  # else Chromium asks for /favicon.ico later: a 404
    page.wait_for_load_state("networkidle")
    assert missing == []
