"""Helpers for audit tests: append plain events."""

from __future__ import annotations

import pytest

from audit.services import audit_record


@pytest.fixture
def append(db):
    """Appends `n` plain events and returns them, oldest first."""

    def append_events(n: int, **fields):
        return [
            audit_record(action=fields.get("action", "test.event"), target_kind="thing", target_id=i,
                         details={"n": i, **fields.get("details", {})})
            for i in range(n)
        ]

    return append_events
