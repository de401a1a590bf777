from tests.web.html import Page


def test_activity_lists_the_persons_own_events_in_words(unlocked_web, bobs_web):
    unlocked_web.post("/vault/unlock/", {"pin": "918273"})
    text = Page(unlocked_web.get("/activity/").content).text()
    assert "Vault unlocked" in text
    assert "PIN set" in text
    assert "Unlock refused: wrong PIN" in text and "Failed" not in text


def test_a_refusal_during_a_backoff_says_what_was_tried_and_why(unlocked_web, alice):
    from audit.services import audit_record

    audit_record(action="vault.unlock", outcome="denied", actor=alice.user, details={"reason": "backoff"})
    audit_record(action="grant.create", actor=alice.user)
    text = Page(unlocked_web.get("/activity/").content).text()
    assert "Refused Unlock attempt · while waiting after wrong PINs" in text
    assert "Records shared with an app" in text and "Grant create" not in text


def test_every_action_a_person_can_see_has_words_of_its_own():
    import re
    from pathlib import Path

    from web.event_text import ACTIONS

    root = Path(__file__).resolve().parents[2]
    seen = set()
    for app in ("accounts", "vault", "records", "files", "sharing", "access", "notify"):
        for path in (root / app).rglob("*.py"):
            seen |= set(re.findall(r'audit_record\(\s*action="([a-z_.]+)"', path.read_text()))
    # Events with no person as their subject (the server's own) never reach the Activity page.
    unseen = {"blobs.gc", "server_keys.rotate"}
    assert seen - unseen - set(ACTIONS) == set()


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
