"""Imports hold a vault key for their whole run: a rotation must not start meanwhile
(it would destroy the version the import wraps under; issue 13's class of bug)."""

from __future__ import annotations

from coffer.errors import DomainError

from .errors import import_running
from .models import ImportJob


def import_running_refusal(*, vault) -> DomainError | None:
    running = ImportJob.objects.filter(owner_id=vault.user_id, state=ImportJob.State.RUNNING).exists()
    return import_running() if running else None


def register() -> None:
    from vault.busy import busy_register

    busy_register("imports", import_running_refusal)
