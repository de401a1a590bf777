"""The users page: vault metadata for each user, in a fixed number of queries."""

import re

from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_person
from vault.models import Vault

from .conftest import RECORDS_URL


def _queries_for(client, url: str) -> int:
    # A session's first request also writes its allauth UserSession row: not a cost of the page.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _person_with_records(name: str, records: int):
    person = make_person(name).setup_vault().unlock()
    for n in range(records):
        body = {"kind": "note", "label": f"l{n}", "data": {"title": f"t{n}", "text": "x"}}
        assert person.client.post(RECORDS_URL, body, format="json").status_code == 201
    return person


def test_the_users_page_costs_the_same_queries_for_more_users(admin_client, db):
    url = reverse("admin:auth_user_changelist")
    _person_with_records("u0", 2)
    few = _queries_for(admin_client, url)
    for n in range(1, 7):
        _person_with_records(f"u{n}", n % 3)
    assert _queries_for(admin_client, url) == few


def test_the_vaults_page_costs_the_same_queries_for_more_vaults(admin_client, db):
    url = reverse("admin:vault_vault_changelist")
    _person_with_records("v0", 1)
    few = _queries_for(admin_client, url)
    for n in range(1, 6):
        _person_with_records(f"v{n}", 1)
    assert _queries_for(admin_client, url) == few


def test_each_user_shows_vault_state_counts_and_stored_bytes(admin_client, db):
    _person_with_records("carol", 2)
    make_person("dave")  # no vault
    erin = make_person("erin").setup_vault()
    Vault.objects.filter(user=erin.user).update(locked_out_at=timezone.now(), failed_attempts=10)
    page = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr[^>]*>.*?>(carol|dave|erin)<.*?</tr>', page, re.S)}
    assert "locked" in rows["carol"] and "2 record(s)" in rows["carol"] and " B" in rows["carol"]
    assert "unset" in rows["dave"] and "0 record(s)" in rows["dave"]
    assert "locked out" in rows["erin"]


def _state_cell(page: str, name: str) -> str:
    row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*?>{name}<.*?</tr>', page, re.S).group(0)
    return re.search(r'<td class="field-(?:vault_state|state)">([^<]*)</td>', row).group(1)


def test_a_vault_shows_unlocked_while_a_session_is_open_and_locked_after(admin_client, db):
    frank = make_person("frank").setup_vault().unlock()
    users, vaults = reverse("admin:auth_user_changelist"), reverse("admin:vault_vault_changelist")
    assert _state_cell(admin_client.get(users).content.decode(), "frank") == "unlocked"
    assert _state_cell(admin_client.get(vaults).content.decode(), "frank") == "unlocked"
    assert frank.client.post("/api/v1/vault/lock").status_code == 204
    assert _state_cell(admin_client.get(users).content.decode(), "frank") == "locked"
    frank.unlock()
    Vault.objects.filter(user=frank.user).update(unlock_epoch=F("unlock_epoch") + 1)  # lock-all, as a PIN change does
    assert _state_cell(admin_client.get(vaults).content.decode(), "frank") == "locked"


def test_a_user_page_links_to_their_audit_events_and_items(admin_client, db):
    carol = _person_with_records("carol", 1)
    page = admin_client.get(reverse("admin:auth_user_change", args=[carol.user.pk])).content.decode()
    assert f"subject_user_id={carol.user.pk}" in page
    assert f"owner__id__exact={carol.user.pk}" in page
    listing = admin_client.get(reverse("admin:audit_auditevent_changelist") + f"?subject_user_id={carol.user.pk}")
    assert listing.status_code == 200 and b"vault.unlock" in listing.content
