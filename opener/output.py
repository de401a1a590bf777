"""The output folder: one JSON per record, every file under a safe version of its name,
and index.json. Nothing is left half-written: each file goes to a `.part` name first and
is renamed only once its stream has checked out to the end."""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.I)
MAX_NAME_BYTES = 200


def safe_name(name: str) -> str:
    """A name any common filesystem takes: no separators, control or reserved characters,
    no leading dot (a hidden file), no Windows device name, at most 200 bytes with its extension kept."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    if not name:
        name = "file"
    if _RESERVED.fullmatch(name):
        name = "_" + name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 20:
        stem, dot, extension = name, "", ""
    budget = MAX_NAME_BYTES - len((dot + extension).encode())
    stem = stem.encode()[:budget].decode("utf-8", "ignore").rstrip(" .") or "file"
    return stem + dot + extension


class OutputFolder:
    def __init__(self, root: Path):
        self.root = root
        self.taken: set[str] = set()

    def create(self) -> None:
        """Made only once the vault has opened: a wrong PIN writes nothing at all."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.root / "records").mkdir(mode=0o700, exist_ok=True)
        (self.root / "files").mkdir(mode=0o700, exist_ok=True)

    def _unique(self, name: str) -> str:
        # Case-insensitively unique, for filesystems that fold case.
        stem, dot, extension = name.rpartition(".") if "." in name else (name, "", "")
        candidate, number = name, 1
        while candidate.casefold() in self.taken:
            number += 1
            candidate = f"{stem} ({number}){dot}{extension}"
        self.taken.add(candidate.casefold())
        return candidate

    def _open_private(self, path: Path) -> Any:
        return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")

    def write_json(self, relative: str, document: Any) -> None:
        with self._open_private(self.root / relative) as out:
            out.write(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n")

    def write_file(self, name: str, chunks: Iterable[bytes]) -> tuple[str, str, int]:
        """Writes the chunks under a unique safe name; returns (relative path, SHA-256, size).
        If the chunks fail, the partial file is removed and the error goes on."""
        final = self._unique(safe_name(name))
        part = self.root / "files" / f".{final}.part"
        digest, size = hashlib.sha256(), 0
        try:
            with self._open_private(part) as out:
                for chunk in chunks:
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
        except BaseException:
            part.unlink(missing_ok=True)
            self.taken.discard(final.casefold())
            raise
        part.rename(self.root / "files" / final)
        return f"files/{final}", digest.hexdigest(), size
