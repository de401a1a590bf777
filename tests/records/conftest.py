"""Fixtures for records: a way to create one over the API, and Alice's bank card."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from audit.models import AuditEvent

from .samples import valid

RECORDS_URL = "/api/v1/records/"


def record_url(record_id: str, query: str = "") -> str:
    return f"{RECORDS_URL}{record_id}/{query}"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


CreateRecord = Callable[..., dict]


@pytest.fixture
def create_record(unlocked_alice) -> CreateRecord:
    """POSTs a record as `person` (Alice by default) and returns the response body."""

    def create(kind: str = "bank_card", *, label: str = "", data: dict | None = None, person=None) -> dict:
        client = (person or unlocked_alice).client
        body = {"kind": kind, "label": label, "data": valid(kind) if data is None else data}
        response = client.post(RECORDS_URL, body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return create


@pytest.fixture
def alice_card(create_record) -> dict:
    return create_record("bank_card", label="Everyday Visa")
