"""Adding records for page tests, through the same services the pages call."""

from __future__ import annotations

from records.services import record_create
from tests.conftest import PIN
from vault.services import vault_keys, vault_unlock


def add_record(person, kind: str, data: dict, label: str = "") -> str:
    """Creates a record for `person` (whose vault is set up) and returns its id."""
    session = vault_unlock(user=person.user, pin=PIN)
    keys = vault_keys(user=person.user, unlock_secret=session.unlock_secret)
    return str(
        record_create(owner=person.user, keys=keys, kind=kind, label=label, data=data).record.pk
    )


def passport_form(**changes) -> dict:
    """What a person types into the passport form."""
    from tests.records.samples import valid

    data = valid("passport")
    form = {"label": "My passport", **data}
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}
