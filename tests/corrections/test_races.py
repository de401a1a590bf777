"""A correction reported while its record is updated: held at a seam on either side, the
correction ends open or resolved as the order of the two commits says, and is never lost.

- The update commits first: the report, which takes the record's row lock after it, is
  about the changed record and stays open for the user to see.
- The report commits first: the update finds it and resolves it in its own transaction.
"""

from __future__ import annotations

import pytest

from corrections.models import Correction
from tests.races.support import Held

from .conftest import listed, patch_record, report, report_ok

pytestmark = pytest.mark.usefixtures("transactional_db")

CHANGE = {"surname": "Musterfrau", "mrz": None}


def test_a_report_held_until_the_update_committed_stays_open(grant, app, alice_passport, unlocked_alice):
    body = {"record_id": alice_passport["id"], "field": "surname", "message": "typo in the surname"}
    with Held("correction.report.commit", run=lambda: report(app, grant["id"], body)) as held:
        patch_record(unlocked_alice, alice_passport["id"], data=CHANGE)
        response = held.release()
    assert response.status_code == 201, response.content
    row = Correction.objects.get()
    assert (row.state, row.resolved_reason) == ("open", "")
    assert [item["state"] for item in listed(app, grant["id"])] == ["open"]


def test_an_update_held_until_the_report_committed_resolves_it(grant, app, alice_passport, unlocked_alice):
    with Held("record.update.begin", run=lambda: patch_record(unlocked_alice, alice_passport["id"], data=CHANGE)) as held:
        made = report_ok(app, grant["id"], {"record_id": alice_passport["id"], "field": "surname",
                                            "message": "typo in the surname"})
        assert Correction.objects.get(pk=made["id"]).state == "open"
        updated = held.release()
    assert updated["data"]["surname"] == "Musterfrau"
    row = Correction.objects.get()
    assert (row.state, row.resolved_reason) == ("resolved", "changed")
    assert [item["state"] for item in listed(app, grant["id"])] == ["resolved"]


def test_a_report_held_while_the_grant_is_revoked_is_refused_and_leaves_nothing(
    grant, app, alice_passport, unlocked_alice
):
    body = {"record_id": alice_passport["id"], "message": "check it all"}
    with Held("correction.report.commit", run=lambda: report(app, grant["id"], body)) as held:
        assert unlocked_alice.client.delete(f"/api/v1/grants/{grant['id']}/").status_code == 204
        response = held.release()
    assert response.status_code == 404
    assert Correction.objects.count() == 0
