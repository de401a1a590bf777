"""Refusals of the export endpoints, each with a stable code (coffer/errors.py)."""

from __future__ import annotations

from coffer.errors import DomainError


class ExportError(DomainError):
    pass


def export_running() -> ExportError:
    return ExportError("export_running", "An export of this vault is running. Wait until it has finished.", status=409)


def rotation_running() -> ExportError:
    return ExportError("rotation_running",
                       "A key rotation of this vault is running. Export once it has finished.", status=409)


def export_not_ready() -> ExportError:
    return ExportError("export_not_ready", "This export is not finished yet.", status=409)


def export_gone() -> ExportError:
    return ExportError("export_expired", "This export has expired and was deleted. Make a new one.", status=410)
