"""What a consistency check found: per check, how many items it looked at, how many
were wrong, and the ids of the first of those. Ids and counts only: never plaintext,
never a key, wrapped or not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_IDS = 100

# Every check, in report order, with what it holds true. The names are stable: they
# key stored reports, audit events and the command's --json output.
CHECKS = {
    "file_object_exists": "every file row's object is in the store",
    "file_object_size": "every file's object has the row's ciphertext size, a size a stream can have",
    "file_object_header": "every file's object starts with a well-formed stream header",
    "record_key_version": "every record's DEK is wrapped under a vault key version that exists",
    "file_key_version": "every file's DEK is wrapped under a vault key version that exists",
    "user_keys_key_version": "every vault's keypairs are wrapped under a vault key version that exists",
    "server_share_opens": "every vault's server share opens with a configured server key version",
    "rotation_job_state": (
        "every running rotation job's sealed keys open; every failed one is resumable or closed;"
        " no finished one keeps key material"
    ),
}


@dataclass
class CheckResult:
    name: str
    checked: int = 0
    wrong: int = 0
    ids: list[str] = field(default_factory=list)
    max_ids: int = MAX_IDS

    def flag(self, item_id: Any) -> None:
        self.wrong += 1
        if len(self.ids) < self.max_ids:
            self.ids.append(str(item_id))

    @property
    def description(self) -> str:
        return CHECKS[self.name]

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "checked": self.checked, "wrong": self.wrong, "ids": sorted(self.ids)}


@dataclass
class ConsistencyReport:
    started_at: datetime
    finished_at: datetime | None = None
    checks: dict[str, CheckResult] = field(default_factory=dict)

    @classmethod
    def empty(cls, *, started_at: datetime, max_ids: int = MAX_IDS) -> ConsistencyReport:
        return cls(started_at=started_at, checks={name: CheckResult(name, max_ids=max_ids) for name in CHECKS})

    def __getitem__(self, name: str) -> CheckResult:
        return self.checks[name]

    @property
    def clean(self) -> bool:
        return all(result.wrong == 0 for result in self.checks.values())

    @property
    def wrong(self) -> int:
        return sum(result.wrong for result in self.checks.values())

    def counts(self) -> dict[str, dict[str, int]]:
        """Counts only: what an audit event holds."""
        return {name: {"checked": r.checked, "wrong": r.wrong} for name, r in self.checks.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "checks": [result.as_dict() for result in self.checks.values()],
        }
