from django.conf import settings

from tests.conftest import PIN
from tests.web.html import Page


def test_the_lock_button_locks_and_clears_the_cookie(unlocked_web):
    response = unlocked_web.post("/vault/lock/")
    assert response["Location"] == "/vault/unlock/"
    assert response.cookies[settings.COFFER_UNLOCK_COOKIE].value == ""
    assert unlocked_web.get("/")["Location"].startswith("/vault/unlock/")


def test_a_stolen_unlock_cookie_is_useless_after_locking(unlocked_web):
    secret = unlocked_web.cookies[settings.COFFER_UNLOCK_COOKIE].value
    unlocked_web.post("/vault/lock/")
    unlocked_web.cookies[settings.COFFER_UNLOCK_COOKIE] = secret
    assert unlocked_web.get("/")["Location"].startswith("/vault/unlock/")


def test_an_idle_lock_says_why(unlocked_web):
    unlocked_web.post("/vault/lock/", {"reason": "idle"})
    text = Page(unlocked_web.get("/vault/unlock/").content).text()
    assert "locked itself" in text


def test_every_unlocked_page_shows_the_auto_lock_countdown(unlocked_web):
    page = Page(unlocked_web.get("/").content)
    form = page.by_id("lock-form")
    assert form.attrs["action"] == "/vault/lock/"
    assert 0 < int(form.attrs["data-lock-in"]) <= int(form.attrs["data-idle-ttl"])
    assert int(form.attrs["data-idle-ttl"]) == settings.COFFER_UNLOCK_IDLE_TTL.total_seconds()
    assert int(form.attrs["data-expires-in"]) > 0


def test_keepalive_slides_the_idle_expiry(unlocked_web):
    response = unlocked_web.post("/vault/keepalive/")
    assert response.status_code == 200
    body = response.json()
    assert body["locked"] is False
    assert body["lock_in"] > settings.COFFER_UNLOCK_IDLE_TTL.total_seconds() - 5


def test_keepalive_on_a_locked_vault_answers_423(locked_web):
    assert locked_web.post("/vault/keepalive/").status_code == 423


def test_locking_and_keepalive_need_a_post(unlocked_web):
    assert unlocked_web.get("/vault/lock/").status_code == 405
    assert unlocked_web.get("/vault/keepalive/").status_code == 405


def test_opening_a_post_only_address_shows_a_page_that_says_so(unlocked_web, alice):
    response = unlocked_web.get("/vault/lock/")
    page = Page(response.content)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "Use the button on the page" in page.text() and page.find_all("a", href="/")
    assert "default-src" in response["Content-Security-Policy"]
    assert unlocked_web.get("/").status_code == 200  # and it locked nothing
    api = alice.client.get("/api/v1/vault/lock")
    assert api.status_code == 405 and api.json()["code"]  # the API keeps its JSON


def test_unlocking_after_a_lock_returns_to_the_page_it_locked_on(unlocked_web):
    response = unlocked_web.post("/vault/lock/", {"reason": "idle", "next": "/settings/"})
    assert response["Location"] == "/vault/unlock/?next=%2Fsettings%2F"
    assert (
        unlocked_web.post("/vault/unlock/", {"pin": PIN, "next": "/settings/"})["Location"]
        == "/settings/"
    )
