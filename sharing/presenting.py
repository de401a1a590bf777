"""How a grant is shown to its user: metadata only, never sealed bytes. Shared by the API and the web UI."""

from __future__ import annotations

from typing import Any

from .models import Grant
from .selectors import grant_state


def present_grant(grant: Grant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "app": {"id": grant.app_id, "name": grant.app.name},
        "state": grant_state(grant),
        "items": [
            {
                "record_id": item.record_id, "fields": item.fields, "label_shared": item.label_shared,
                "scans": item.scan_roles,
            }
            for item in grant.items.all()
        ],
        "issued_at": grant.issued_at,
        "expires_at": grant.expires_at,
        "revoked_at": grant.revoked_at,
    }
