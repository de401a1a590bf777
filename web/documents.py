"""Documents for the pages, on top of files' public selectors and services.

`document_attach` is the one write that files.services does not offer yet: it
moves a file onto another of the owner's records (or none), audited as file.attach.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from files.events import file_event
from files.models import File
from files.selectors import file_describe, file_describe_many, file_get, file_list
from records.schemas import get_kind
from records.schemas.base import SCAN_ROLE_LIMITS
from records.selectors import record_get, record_list, record_open_many
from vault.crypto.session import VaultKeys

from .presenting import KIND_INFO

PREVIEWABLE = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp"})


@dataclass(frozen=True)
class Document:
    id: str
    name: str
    content_type: str
    size: int
    created_at: object
    record_id: str | None
    record_label: str | None
    integrity_error: bool
    role: str = ""  # the scan's role in its record, "" for none

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/") and self.content_type in PREVIEWABLE

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def type_label(self) -> str:
        return {"application/pdf": "PDF"}.get(
            self.content_type, self.content_type.removeprefix("image/").upper()
        )


def record_labels(*, owner, keys: VaultKeys, request=None) -> dict[str, str]:
    """Each record's label (or its kind's name), to name what a document is attached to."""
    labels = {}
    for opened in record_open_many(records=record_list(owner=owner), keys=keys, request=request):
        title = KIND_INFO[opened.record.kind].title
        labels[str(opened.record.pk)] = (
            (opened.payload.label or title) if opened.payload else f"{title} (damaged)"
        )
    return labels


def _document(described, labels: dict[str, str]) -> Document:
    file = described.file
    record_id = str(file.record_id) if file.record_id else None
    return Document(
        id=str(file.pk),
        name=described.filename or "Unnamed document",
        content_type=file.content_type,
        size=file.plaintext_size,
        created_at=file.created_at,
        record_id=record_id,
        record_label=labels.get(record_id) if record_id else None,
        integrity_error=described.integrity_error,
        role=file.role if record_id else "",
    )


def documents_list(*, owner, keys: VaultKeys, request=None) -> list[Document]:
    labels = record_labels(owner=owner, keys=keys, request=request)
    described = file_describe_many(files=file_list(owner=owner), keys=keys, request=request)
    return [_document(item, labels) for item in described]


def documents_of_record(*, owner, keys: VaultKeys, record_id, request=None) -> list[Document]:
    described = file_describe_many(
        files=file_list(owner=owner, record_id=record_id), keys=keys, request=request
    )
    return [_document(item, {}) for item in described]


ROLE_TITLES = {"front": "Front", "back": "Back", "selfie": "Selfie holding it",
               "translation": "Certified translations", "other": "Other scans"}


@dataclass(frozen=True)
class ScanSlot:
    """One scan role of a record, for its page: the scans in it and where an upload goes."""

    role: str
    title: str
    single: bool  # a new scan replaces the one there (PUT)
    documents: list[Document]
    upload_url: str


def scan_slots(*, record, documents: list[Document]) -> list[ScanSlot]:
    """The roles the record's kind takes (records/schemas), each with its scans."""
    return [
        ScanSlot(
            role=role,
            title=ROLE_TITLES[role],
            single=SCAN_ROLE_LIMITS[role] == 1,
            documents=[doc for doc in documents if doc.role == role],
            upload_url=f"/api/v1/records/{record.pk}/files/{role}/",
        )
        for role in get_kind(record.kind).scan_roles
    ]


def document_get(
    *, owner, keys: VaultKeys, file_id, labels: dict[str, str], request=None
) -> Document:
    """The owner's document; FileNotFound (404) for anyone else's."""
    return _document(
        file_describe(file=file_get(owner=owner, file_id=file_id), keys=keys, request=request),
        labels,
    )


def document_count(*, owner) -> int:
    return File.objects.filter(owner=owner).count()


def document_counts_by_record(*, owner) -> dict[str, int]:
    rows = (
        file_list(owner=owner)
        .filter(record__isnull=False)
        .values("record_id")
        .annotate(n=Count("id"))
    )
    return {str(row["record_id"]): row["n"] for row in rows}


def document_attach(*, owner, file_id, record_id: str | uuid.UUID | None, request=None) -> File:
    """Attaches the owner's file to one of the owner's records, or detaches it (None)."""
    with transaction.atomic():
        file = file_get(owner=owner, file_id=file_id, for_update=True)
        record = record_get(owner=owner, record_id=record_id) if record_id else None
        new_record_id = record.pk if record else None
        if file.record_id != new_record_id:
            # A scan moved to another record, or off its record, is no scan of a role there.
            file.record, file.role = record, ""
            file.save(update_fields=["record", "role"])
            file_event(
                action="file.attach" if record else "file.detach",
                file=file,
                request=request,
                record=str(new_record_id) if new_record_id else None,
            )
    return file
