"""Fixtures for corrections: Alice shares her passport with an app, which reports problems
over signed requests. Apps, grants and signed requests come from tests/sharing."""

from __future__ import annotations

import json

import pytest

from sharing.models import GrantItem
from tests.files.conftest import fs_backend  # noqa: F401  (fixture)
from tests.sharing.conftest import (  # noqa: F401  (fixtures)
    alice_passport,
    app,
    create_grant,
    other_app,
    register_app,
    signed_request,
)

MESSAGE = "date_of_expiry does not match the scan: 2034-02-28 vs 2034-02-18"


def corrections_url(grant_id) -> str:
    return f"/api/v1/apps/me/grants/{grant_id}/corrections"


def record_corrections_url(record_id) -> str:
    return f"/api/v1/records/{record_id}/corrections"


def dismiss_url(record_id, correction_id) -> str:
    return f"{record_corrections_url(record_id)}/{correction_id}/dismiss"


def report(app, grant_id, body: dict, **kwargs):
    """The app's signed POST."""
    return signed_request("POST", corrections_url(grant_id), sign_key=app.sign_key, app_id=app.id,
                          body=json.dumps(body).encode(), **kwargs)


def report_ok(app, grant_id, body: dict) -> dict:
    response = report(app, grant_id, body)
    assert response.status_code == 201, response.content
    return response.json()


def listed(app, grant_id) -> list[dict]:
    response = app.get(corrections_url(grant_id))
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def grant(unlocked_alice, alice_passport, app) -> dict:
    """Alice's passport, its number, expiry and surname, and its selfie and front scans, granted to `app`."""
    made = create_grant(unlocked_alice, app, [
        {"record_id": alice_passport["id"], "fields": ["number", "date_of_expiry", "surname"]},
    ])
    # The scan roles a grant shares (issue 19, part 2) are set here directly, so these tests
    # do not depend on how the consent screen picks them.
    GrantItem.objects.filter(grant_id=made["id"]).update(scan_roles=["front", "selfie"])
    return made


def patch_record(person, record_id: str, data: dict | None = None, label: str | None = None) -> dict:
    current = person.client.get(f"/api/v1/records/{record_id}/")
    body = {**({"data": data} if data is not None else {}), **({"label": label} if label is not None else {})}
    response = person.client.patch(f"/api/v1/records/{record_id}/", body, format="json",
                                   HTTP_IF_MATCH=current["ETag"])
    assert response.status_code == 200, response.content
    return response.json()
