"""The page that says what Coffer protects against, and what it does not (issue: honest copy)."""

from pathlib import Path

from django.test import Client

from tests.web.html import Page

ROOT = Path(__file__).resolve().parents[2]


def test_it_names_each_threat_on_both_sides_and_anyone_can_read_it(db):
    response = Client().get("/security/")
    text = Page(response.content).text()
    assert response.status_code == 200
    for threat in ("A stolen copy of the database", "A stolen backup", "The administrators",
                   "the database and the server keyring together", "A server that an attacker controls"):
        assert threat in text, threat
    assert text.index("Not protected") > text.index("Protected")


def test_every_page_links_to_it_and_no_copy_claims_nobody_can_read_the_data(locked_web):
    assert Page(locked_web.get("/vault/unlock/").content).find_all("a", href="/security/")
    assert Page(Client().get("/accounts/login/").content).find_all("a", href="/security/")
    for path in (ROOT / "templates").rglob("*.html"):
        assert "not even us" not in path.read_text(), path
    assert "not even us" not in (ROOT / "README.md").read_text()
