"""The refusals of the imports app: coffer.errors.DomainError, a stable code and an
HTTP status. Details are plain words and never hold a value from the source."""

from __future__ import annotations

from coffer.errors import DomainError


class ImportRefused(DomainError):
    def __init__(self, code: str, detail: str, status: int = 400, **kwargs):
        super().__init__(code, detail, status=status, **kwargs)


def import_running() -> ImportRefused:
    return ImportRefused("import_running", "An import into this vault is running; try again when it has finished.", 409)


def rotation_running() -> ImportRefused:
    return ImportRefused("rotation_running", "A key rotation of this vault is running; import when it has finished.",
                         409)


def not_in_preview() -> ImportRefused:
    return ImportRefused("import_not_in_preview", "This import has already been started, finished or cancelled.", 409)
