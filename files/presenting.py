"""How a file's metadata is shown, by the API and the web UI alike."""

from __future__ import annotations

from typing import Any

from .selectors import DescribedFile


def present_file(described: DescribedFile) -> dict[str, Any]:
    file = described.file
    return {
        "id": file.pk,
        "filename": described.filename,
        "content_type": file.content_type,
        "size": file.plaintext_size,
        "record": file.record_id,
        # A deleted record leaves its files with no record (SET_NULL) but their role: no role then.
        "role": (file.role or None) if file.record_id else None,
        "created_at": file.created_at,
        "integrity_error": described.integrity_error,
    }
