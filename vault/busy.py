"""Long jobs that must not overlap a rotation, without the vault importing their apps.

An app registers a check in its AppConfig.ready(); a check gets the vault row (its
caller holds `vault_locked`) and returns the DomainError to refuse with, or None.
rotation_start calls `vault_busy_refuse` under the vault lock, and an app starting
its own job calls it there too (skipping its own check), so a rotation and such a
job never run at once for one vault: both decide under the same row lock.
"""

from __future__ import annotations

from collections.abc import Callable

from coffer.errors import DomainError

BusyCheck = Callable[..., DomainError | None]

_checks: dict[str, BusyCheck] = {}


def busy_register(name: str, check: BusyCheck) -> None:
    """`check(vault=...)` -> the refusal while the vault is busy with `name`'s job, else None."""
    _checks[name] = check


def vault_busy_refuse(*, vault, besides: str = "") -> None:
    """Raises the first registered refusal for `vault`, other than `besides`'s own."""
    for name, check in _checks.items():
        if name == besides:
            continue
        refusal = check(vault=vault)
        if refusal is not None:
            raise refusal
