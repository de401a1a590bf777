from tests.web.html import Page


def test_activity_lists_the_persons_own_events_in_words(unlocked_web, bobs_web):
    unlocked_web.post("/vault/unlock/", {"pin": "918273"})
    text = Page(unlocked_web.get("/activity/").content).text()
    assert "Vault unlocked" in text
    assert "PIN set" in text
    assert "Failed Vault unlocked · wrong PIN" in text


def test_activity_shows_nothing_of_other_people(unlocked_web, bobs_web, bob):
    bobs_web.post("/vault/lock/")
    page = Page(unlocked_web.get("/activity/").content)
    assert "Vault locked" not in page.text()


def test_activity_works_while_the_vault_is_locked(locked_web):
    assert locked_web.get("/activity/").status_code == 200


def test_activity_pages_through_long_histories(locked_web, alice):
    from audit.services import audit_record

    for _ in range(60):
        audit_record(action="vault.lock", actor=alice.user)
    assert "Page 2 of 2" in Page(locked_web.get("/activity/?page=2").content).text()
