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
    for app in ("accounts", "vault", "records", "files", "sharing", "access", "notify", "audit", "exports", "imports"):
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


def test_a_person_downloads_their_own_activity_with_its_hashes(unlocked_web, bobs_web, alice, bob):
    import json

    from audit.models import AuditEvent

    bobs_web.post("/vault/lock/")
    response = unlocked_web.get("/activity/download.jsonl")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="coffer-activity.jsonl"'
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    events = [line for line in lines if line["type"] == "event"]
    people = [(e["fields"]["actor_id"], e["fields"]["subject_user_id"]) for e in events]
    assert people and all(alice.user.pk in pair for pair in people)
    assert not any(bob.user.pk in pair for pair in people)
    # The download is recorded before it is read, so the file ends with its own event.
    downloaded = AuditEvent.objects.get(action="audit.export", subject_user_id=alice.user.pk)
    assert events[-1]["fields"]["id"] == downloaded.id
    assert downloaded.details == {"format": "jsonl", "events": len(events) - 1}
    stored = {event.id: event.hash for event in AuditEvent.objects.all()}
    assert all(stored[e["fields"]["id"]] == e["hash"] for e in events)


def test_the_activity_download_is_csv_too_and_refuses_other_formats(unlocked_web):
    response = unlocked_web.get("/activity/download.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert b"".join(response.streaming_content).startswith(b"type,id,created_at")
    assert unlocked_web.get("/activity/download.xml").status_code == 404


def test_the_activity_download_needs_a_sign_in(client):
    response = client.get("/activity/download.jsonl")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
