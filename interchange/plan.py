"""What an import would create, and what it cannot, before anything is written.

A reader (cxf.py, bitwarden.py, coffer_export in the imports app) fills an
ImportPlan. `Left` entries name a thing and a reason, never a value, so the
preview can show them without revealing a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class SourceError(Exception):
    """The source is not a document of the expected format. `code` is stable, the
    message says what is wrong in plain words (never a value from the source)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PlannedFile:
    """A file to store: `ref` finds its bytes in the source (an archive member, an
    attachment id); size and sha256 are what the source promises, checked on import."""

    ref: str
    name: str
    size: int | None = None
    sha256: str | None = None
    content_type: str = "application/octet-stream"
    role: str = ""  # the scan's role on its record (docs/files.md), "" for none


@dataclass
class PlannedRecord:
    kind: str
    label: str
    data: dict[str, Any]
    source: str  # where it comes from in the source, for the preview ("item 'Passport'")
    files: list[PlannedFile] = field(default_factory=list)


@dataclass(frozen=True)
class Left:
    """Something the source holds that Coffer will not create, and why."""

    source: str
    what: str
    reason: str


@dataclass
class ImportPlan:
    records: list[PlannedRecord] = field(default_factory=list)
    files: list[PlannedFile] = field(default_factory=list)  # attached to no record
    left: list[Left] = field(default_factory=list)

    def leave(self, source: str, what: str, reason: str) -> None:
        self.left.append(Left(source=source, what=what, reason=reason))

    def to_json(self) -> dict[str, Any]:
        return {
            "records": [_record_json(record) for record in self.records],
            "files": [_file_json(file) for file in self.files],
            "left": [{"source": item.source, "what": item.what, "reason": item.reason} for item in self.left],
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> ImportPlan:
        return cls(
            records=[
                PlannedRecord(
                    kind=item["kind"], label=item["label"], data=item["data"], source=item["source"],
                    files=[PlannedFile(**file) for file in item["files"]],
                )
                for item in document["records"]
            ],
            files=[PlannedFile(**file) for file in document["files"]],
            left=[Left(**item) for item in document["left"]],
        )


def _file_json(file: PlannedFile) -> dict[str, Any]:
    return {"ref": file.ref, "name": file.name, "size": file.size, "sha256": file.sha256,
            "content_type": file.content_type, "role": file.role}


def _record_json(record: PlannedRecord) -> dict[str, Any]:
    return {"kind": record.kind, "label": record.label, "data": record.data, "source": record.source,
            "files": [_file_json(file) for file in record.files]}
