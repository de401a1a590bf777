"""At 375 px (a phone), no page scrolls sideways."""

import pytest

from tests.records.samples import valid
from tests.web.browser.conftest import jobs_of
from tests.web.records_helpers import add_record

PAGES = ["/", "/records/new/", "/records/new/passport/", "/records/new/bank_card/", "/documents/", "/sharing/",
         "/settings/", "/activity/", "/account/", "/security/", "/records/{record}/", "/records/{record}/edit/",
         "/settings/rotation/?kind=reencrypt", "/?q=visa", "/?q=nothing+matches+this", "/?expiring=soon"]


@pytest.mark.django_db(transaction=True)
def test_no_page_is_wider_than_a_phone(page, alice_in_browser):
    record = add_record(alice_in_browser, "bank_card", valid("bank_card"), label="Everyday Visa")
    export, import_ = jobs_of(alice_in_browser)
    page.set_viewport_size({"width": 375, "height": 800})
    wide = {}
    for url in PAGES:
        page.goto(url.format(record=record, export=export, import_=import_))
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            wide[url] = scroll
    assert wide == {}
