"""Safe, unique member paths for the files in an export archive.

A path is `files/<folder>/<name>` under `coffer-export/`: the folder is the record's
label (or its id when the label is empty), `Unattached` for files of no record; the
name is the file's original name. Each part is made safe to unpack anywhere: no
control or format characters, no slash or backslash, none of < > : " | ? *, no
leading or trailing dots or spaces (so never `.` or `..`), at most 200 UTF-8 bytes.
A clash, compared case-insensitively as macOS and Windows do, gets " (2)", " (3)"…
before the extension.
"""

from __future__ import annotations

import unicodedata

MAX_PART_BYTES = 200
UNATTACHED = "Unattached"
_FORBIDDEN = set('/\\<>:"|?*')


def safe_part(text: str, *, fallback: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    cleaned = "".join(
        "_" if char in _FORBIDDEN else char
        for char in text
        if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    )
    cleaned = cleaned.strip(" .")
    if not cleaned:
        return fallback
    return _shorten(cleaned, MAX_PART_BYTES)


def _shorten(text: str, limit: int) -> str:
    if len(text.encode("utf-8")) <= limit:
        return text
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem or len(extension) > 16:
        stem, extension = text, ""
    suffix = f".{extension}" if extension else ""
    room = limit - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(" .")
    return (cut or "_") + suffix


def _numbered(name: str, number: int) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    suffix = f" ({number})" + (f".{extension}" if extension else "")
    return _shorten(stem, MAX_PART_BYTES - len(suffix.encode("utf-8"))) + suffix


class UniqueNames:
    """Hands out names unique within one folder (case-insensitively)."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self._taken = {name.casefold() for name in reserved}

    def claim(self, name: str) -> str:
        candidate, number = name, 1
        while candidate.casefold() in self._taken:
            number += 1
            candidate = _numbered(name, number)
        self._taken.add(candidate.casefold())
        return candidate


class ArchivePaths:
    """The archive path of every file, given in the order the archive lists them."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}  # record id (or "") -> folder name
        self._folder_names = UniqueNames(reserved=(UNATTACHED,))
        self._names: dict[str, UniqueNames] = {}

    def folder(self, *, record_id: str | None, label: str | None) -> str:
        key = record_id or ""
        if key not in self._folders:
            if record_id is None:
                self._folders[key] = UNATTACHED
            else:
                self._folders[key] = self._folder_names.claim(safe_part(label or "", fallback=record_id))
        return self._folders[key]

    def path(self, *, record_id: str | None, label: str | None, filename: str, file_id: str) -> str:
        folder = self.folder(record_id=record_id, label=label)
        names = self._names.setdefault(folder, UniqueNames())
        return f"files/{folder}/{names.claim(safe_part(filename, fallback=file_id))}"
