"""The unencrypted export container of the FIDO Credential Exchange Protocol (CXP):
a zip holding the CXF header document and, beside it, one member per `file`
credential. Pure: it judges member names and sizes, never opens a member.

    index.jcf              the CXF header document (JSON, UTF-8)
    documents/<id>         the bytes of the file credential whose `id` is <id>

CXF 1.0 (Proposed Standard 2025-08-14) says of a file credential: its `id` is "used
as the file name in the zip archive", the file "MUST be stored in the documents
folder of the zip archive", and `integrityHash` (SHA-256 of the decrypted file)
"MUST be used by the importing provider" to check it. The container's other names
follow the CXP Working Draft (2024-10-03), a draft whose container text may still
change: this module is the one place that knows them. The same layout under one
`CXP-Export/` folder is read too. An encrypted container (`index.jwe`, HPKE to an
importer key Coffer never offered) is refused. docs/export.md, "CXF ↔ Coffer".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .plan import SourceError

INDEX = "index.jcf"
ENCRYPTED_INDEX = "index.jwe"
DOCUMENTS = "documents/"
ROOTS = ("", "CXP-Export/")
# A file credential's id is base64url; CXF caps ids at 64 bytes (86 characters).
_ID = re.compile(r"[A-Za-z0-9_-]{1,86}")
# Real documents (PDF, JPEG, PNG...) compress a little; a member that inflates over
# this ratio, past the small size below, is a zip bomb.
MAX_RATIO = 100
RATIO_FREE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Member:
    name: str
    size: int  # uncompressed, as the zip declares it
    compressed_size: int
    is_dir: bool = False


@dataclass
class Container:
    index: str  # the member holding the CXF document
    documents: dict[str, Member] = field(default_factory=dict)  # file credential id -> member


def is_container(names: list[str]) -> bool:
    return any(name in (root + INDEX, root + ENCRYPTED_INDEX) for root in ROOTS for name in names)


def container_layout(members: list[Member]) -> Container:
    """Where the index and each document are; SourceError for anything else in the zip
    (a path outside the layout, `..`, a duplicate name, a zip bomb)."""
    names = [member.name for member in members]
    if len(set(names)) != len(names):
        raise _layout("The zip names one member twice.")
    for member in members:
        check_ratio(member, code="cxf_zip_invalid")
    root = next((r for r in ROOTS if r + ENCRYPTED_INDEX in names), None)
    if root is not None:
        raise SourceError("cxf_zip_encrypted", "This CXP export is encrypted for another app (index.jwe); "
                                               "export it unencrypted.")
    roots = [r for r in ROOTS if r + INDEX in names]
    if len(roots) != 1:
        raise _layout("The zip holds no index.jcf, or two.")
    root = roots[0]
    container = Container(index=root + INDEX)
    for member in members:
        rest = member.name[len(root):] if member.name.startswith(root) else None
        if member.name == container.index or (member.is_dir and rest in ("", DOCUMENTS)):
            continue
        if rest is None or member.is_dir or not rest.startswith(DOCUMENTS) \
                or not _ID.fullmatch(rest[len(DOCUMENTS):]):
            raise _layout("The zip holds something other than index.jcf and documents/<file id>.")
        container.documents[rest[len(DOCUMENTS):]] = member
    return container


def check_ratio(member: Member, *, code: str) -> None:
    if member.size > RATIO_FREE_BYTES and member.size > MAX_RATIO * max(member.compressed_size, 1):
        raise SourceError(code, "The zip holds a member that inflates far beyond any real document (a zip bomb).")


def _layout(message: str) -> SourceError:
    return SourceError("cxf_zip_layout", message)
