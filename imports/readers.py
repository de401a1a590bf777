"""Reading a stored import source: which format it is, what it would create (a plan,
checked against the record schemas), and the bytes of each planned file.

Coffer's own export is an age file holding a tar (docs/export.md): read as a
stream, once, in order; its records.json comes before every file. A zip (Bitwarden's,
or a CXP container holding a CXF document and its files) is read seekably. CXF and
Bitwarden JSON are one bounded JSON document.
"""

from __future__ import annotations

import io
import json
import lzma
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from rest_framework.exceptions import ValidationError

from exports.age import AgeError, age_decrypt_stream
from files import sniffing
from files.errors import InvalidUpload, UnsupportedContent
from files.naming import clean_filename
from interchange.bitwarden import attachments_from_zip, plan_from_bitwarden
from interchange.cxf_import import plan_from_cxf
from interchange.cxp import Member, check_ratio, container_layout, is_container
from interchange.plan import ImportPlan, PlannedFile, PlannedRecord, SourceError
from records.schemas import KINDS
from records.schemas.base import SCAN_ROLE_LIMITS
from records.sealing import Payload, encode_payload

from .errors import ImportRefused
from .models import ImportJob

# What zipfile (and its decompressors) raise for a damaged archive, besides BadZipFile.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
              RuntimeError, zlib.error, lzma.LZMAError, struct.error)

# A zip's kind (Bitwarden's or a CXP container) is known once its member names are read.
ZIP = "zip"
ZIP_FORMATS = (ZIP, ImportJob.Format.BITWARDEN_ZIP, ImportJob.Format.CXF_ZIP)

AGE_MAGIC = b"age-encryption.org/v1\n"
ZIP_MAGIC = b"PK\x03\x04"
EXPORT_ROOT = "coffer-export/"


def refused(error: SourceError) -> ImportRefused:
    return ImportRefused(error.code, error.message)


def unreadable_export() -> ImportRefused:
    return ImportRefused("export_unreadable", AgeError.MESSAGE)


def detect_format(head: bytes) -> str:
    if head.startswith(AGE_MAGIC):
        return ImportJob.Format.COFFER
    if head.startswith(ZIP_MAGIC):
        return ZIP
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "json"
    raise ImportRefused("import_unknown_format",
                        "This is neither a Coffer export (.age), a CXF document (JSON, or a CXP .zip) nor a "
                        "Bitwarden export (JSON or .zip).")


def parse_json(raw: bytes) -> object:
    if len(raw) > settings.COFFER_IMPORT_MAX_JSON_BYTES:
        raise ImportRefused("import_too_large",
                            f"A JSON document may hold at most {settings.COFFER_IMPORT_MAX_JSON_BYTES} bytes.", 413)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ImportRefused("import_invalid_json", "The file is not valid UTF-8 JSON.") from None


def json_format(document: object) -> str:
    if isinstance(document, dict) and "accounts" in document and "version" in document:
        return ImportJob.Format.CXF
    if isinstance(document, dict) and "items" in document:
        return ImportJob.Format.BITWARDEN_JSON
    raise ImportRefused("import_unknown_format", "This JSON document is neither a CXF document nor a Bitwarden export.")


# ---- checking a plan against the schemas ----


def checked(plan: ImportPlan) -> ImportPlan:
    """The plan with every record valid for its kind (canonical data), within the
    limits; a record that is not goes to `left` with the reasons, its files loose."""
    limit = settings.COFFER_IMPORT_MAX_ITEMS
    if len(plan.records) + len(plan.files) + sum(len(r.files) for r in plan.records) > limit:
        raise ImportRefused("import_too_many_items", f"An import may create at most {limit} records and files.")
    kept = []
    for record in plan.records:
        problem = _problem(record)
        if problem is None:
            kept.append(record)
        else:
            plan.leave(record.source, f"a {record.kind} record", f"Not created: {problem}")
            plan.files.extend(record.files)
    plan.records = kept
    _leave_unnamed_files(plan)
    return plan


def _leave_unnamed_files(plan: ImportPlan) -> None:
    """A file whose name Coffer would refuse on upload (empty, too long) is listed."""

    def named(file: PlannedFile, source: str) -> bool:
        try:
            clean_filename(file.name)
        except InvalidUpload as refusal:
            plan.leave(source, "a file", f"Not created: {refusal.detail}")
            return False
        return True

    for record in plan.records:
        record.files = [file for file in record.files if named(file, record.source)]
    plan.files = [file for file in plan.files if named(file, "the source")]


def _problem(record: PlannedRecord) -> str | None:
    if record.kind not in KINDS:
        return "Coffer has no such kind of record."
    if not isinstance(record.label, str) or len(record.label) > 200:
        return "its name is longer than 200 characters."
    try:
        record.data = KINDS[record.kind].validate(record.data)
    except ValidationError as exc:
        return "; ".join(_messages(exc.detail.get("data", exc.detail)))
    if len(encode_payload(Payload(label=record.label, data=record.data))) > settings.COFFER_RECORD_MAX_BYTES:
        return "it is larger than a record may be."
    return None


def _messages(detail, prefix: str = "") -> Iterator[str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _messages(value, f"{key}: " if key != "non_field_errors" else prefix)
    elif isinstance(detail, list):
        for value in detail:
            yield from _messages(value, prefix)
    else:
        yield f"{prefix}{detail}"


# ---- Coffer's own export ----


class _IterStream(io.RawIOBase):
    """A file object over an iterator of byte pieces, for tarfile's stream mode."""

    def rest(self) -> Iterator[bytes]:
        yield from self._pieces

    def __init__(self, pieces: Iterable[bytes]):
        self._pieces = iter(pieces)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._pieces)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


@dataclass
class ExportReader:
    """Coffer's export, read in order: `plan` once records.json is read, then each file."""

    plaintext: Iterable[bytes]
    plan: ImportPlan = field(default_factory=ImportPlan)

    def __post_init__(self):
        self._stream = _IterStream(self.plaintext)
        try:
            self._tar = tarfile.open(fileobj=io.BufferedReader(self._stream, 1 << 16), mode="r|")
        except tarfile.TarError:
            raise ImportRefused("export_invalid", "The export's archive is damaged.") from None
        self._members = iter(self._tar)
        self._read_until_records()

    def _next(self) -> tarfile.TarInfo | None:
        try:
            member = next(self._members)
        except StopIteration:
            return None
        except (tarfile.TarError, EOFError):
            raise ImportRefused("export_invalid", "The export's archive is damaged.") from None
        _check_member(member)
        return member

    def _read_until_records(self) -> None:
        while True:
            member = self._next()
            if member is None:
                raise ImportRefused("export_invalid", "The export holds no records.json.")
            if member.name == EXPORT_ROOT + "records.json":
                try:
                    raw = self._tar.extractfile(member).read(settings.COFFER_IMPORT_MAX_JSON_BYTES + 1)
                except (tarfile.TarError, EOFError):
                    raise ImportRefused("export_invalid", "The export's archive is damaged.") from None
                self.plan = plan_from_export(parse_json(raw))
                return

    def files(self) -> Iterator[tuple[str, tarfile.TarInfo, io.BufferedReader]]:
        """(ref, member, reader) for every file after records.json, in archive order."""
        while True:
            member = self._next()
            if member is None:
                return
            if member.name.startswith(EXPORT_ROOT + "files/"):
                yield "tar:" + member.name[len(EXPORT_ROOT):], member, self._tar.extractfile(member)


    def drain(self) -> None:
        """Reads what follows the archive's end (tar padding), so the age stream ends."""
        for _ in self._stream.rest():
            pass


def _check_member(member: tarfile.TarInfo) -> None:
    name = member.name
    parts = name.split("/")
    if (not member.isfile() and not member.isdir()) or name.startswith("/") or ".." in parts \
            or not name.startswith(EXPORT_ROOT) or any(ord(char) < 32 for char in name):
        raise ImportRefused("export_invalid", "The export's archive holds a link, a device or a path outside it.")


def plan_from_export(document: object) -> ImportPlan:
    """records.json (docs/export.md) as a plan; derived fields (a card's brand) dropped."""
    if not isinstance(document, dict) or document.get("format") != "coffer-export" or document.get("version") != 1:
        raise ImportRefused("export_invalid", "records.json is not a Coffer export document, version 1.")
    records, files = document.get("records"), document.get("files", [])
    if not isinstance(records, list) or not isinstance(files, list):
        raise ImportRefused("export_invalid", "records.json has no records list.")
    plan = ImportPlan()
    for index, record in enumerate(records):
        if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
            raise ImportRefused("export_invalid", f"Record {index + 1} in records.json is malformed.")
        kind = record.get("kind") if isinstance(record.get("kind"), str) else ""
        where = f"record {index + 1} '{record.get('label', '')}'"
        data = dict(record["fields"])
        if kind in KINDS:
            for derived in KINDS[kind].derived(data) if _derivable(kind, data) else {}:
                data.pop(derived, None)
        planned = PlannedRecord(kind=kind, label=record.get("label") or "", data=data, source=where,
                                files=[_export_file(file) for file in record.get("files") or []])
        _keep_possible_roles(planned, plan)
        plan.records.append(planned)
    plan.files = [_export_file(file) for file in files]
    for file in plan.files:
        file.role = ""  # a role belongs to a record; a loose document has none
    return plan


def _keep_possible_roles(record: PlannedRecord, plan: ImportPlan) -> None:
    """Scan roles as the export gave them, where the kind takes the role and it has room
    (one front, back and selfie); any other role is dropped and said so in the preview."""
    accepted = KINDS[record.kind].scan_roles if record.kind in KINDS else ()
    taken: dict[str, int] = {}
    for file in record.files:
        if not file.role:
            continue
        taken[file.role] = taken.get(file.role, 0) + 1
        if file.role not in accepted or taken[file.role] > SCAN_ROLE_LIMITS[file.role]:
            plan.leave(record.source, f"the '{file.role}' role of one of its scans",
                       "this kind of record takes no such role, or it already has as many as it can hold; "
                       "the scan comes without a role")
            file.role = ""


def _derivable(kind: str, data: dict) -> bool:
    try:
        KINDS[kind].derived(data)
    except (KeyError, TypeError, ValueError):
        return False
    return True


def _export_file(file: object) -> PlannedFile:
    if not isinstance(file, dict) or not all(isinstance(file.get(k), str) for k in ("path", "name", "sha256")) \
            or not isinstance(file.get("size"), int):
        raise ImportRefused("export_invalid", "A file in records.json is malformed.")
    role = file.get("role")
    if role is not None and role not in SCAN_ROLE_LIMITS:
        raise ImportRefused("export_invalid", "A file in records.json has an unknown scan role.")
    return PlannedFile(ref="tar:" + file["path"], name=file["name"], size=file["size"], sha256=file["sha256"],
                       content_type=str(file.get("content_type") or "application/octet-stream"), role=role or "")


def open_export(passphrase: str, ciphertext: Iterable[bytes]) -> ExportReader:
    """The export's reader; ImportRefused for a wrong passphrase or a damaged header."""
    try:
        # scrypt's cost is the file's to choose: capped, so an upload cannot ask for GiBs.
        max_work_factor = max(settings.COFFER_IMPORT_MAX_WORK_FACTOR, settings.COFFER_EXPORT_WORK_FACTOR)
        return ExportReader(age_decrypt_stream(passphrase, ciphertext, max_work_factor=max_work_factor))
    except AgeError:
        raise unreadable_export() from None


# ---- zips: Bitwarden's, and CXP containers ----


def _zip_open(seekable) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    try:
        archive = zipfile.ZipFile(seekable)
        members = archive.infolist()
    except ZIP_ERRORS:
        raise ImportRefused("import_zip_invalid", "The zip file is damaged.") from None
    for info in members:
        if (info.external_attr >> 16) & 0o170000 not in (0, 0o100000, 0o040000):
            raise ImportRefused("import_zip_invalid", "The zip holds a link or a device.")
    return archive, members


def _member(info: zipfile.ZipInfo) -> Member:
    # Not info.is_dir(): it fails on an empty name, which a hostile zip may hold.
    return Member(name=info.filename, size=info.file_size, compressed_size=info.compress_size,
                  is_dir=info.filename.endswith("/"))


def zip_format(members: list[zipfile.ZipInfo]) -> str:
    names = [info.filename for info in members]
    return ImportJob.Format.CXF_ZIP if is_container(names) else ImportJob.Format.BITWARDEN_ZIP


def open_zip(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> ImportPlan:
    """A Bitwarden .zip: data.json and attachments/<item id>/<file name>."""
    try:
        for info in members:
            check_ratio(_member(info), code="bitwarden_zip_invalid")
        data = archive.open("data.json").read(settings.COFFER_IMPORT_MAX_JSON_BYTES + 1)
        attachments = attachments_from_zip([(info.filename, info.file_size) for info in members])
        plan = plan_from_bitwarden(parse_json(data), attachments=attachments)
    except KeyError:
        raise ImportRefused("bitwarden_zip_layout", "The zip holds no data.json.") from None
    except SourceError as exc:
        raise refused(exc) from None
    except ZIP_ERRORS:
        raise _damaged_zip() from None
    try:
        _leave_unsupported_files(archive, plan, "attachments")
    except ZIP_ERRORS:
        raise _damaged_zip() from None
    return plan


def open_cxp_zip(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> ImportPlan:
    """A CXP container (interchange/cxp.py): index.jcf and documents/<file id>."""
    damaged = ImportRefused("cxf_zip_invalid", "The CXP zip file is damaged.")
    try:
        container = container_layout([_member(info) for info in members])
        document = parse_json(archive.open(container.index).read(settings.COFFER_IMPORT_MAX_JSON_BYTES + 1))
        plan = plan_from_cxf(document, documents=container.documents)
        _leave_unsupported_files(archive, plan, "documents")
    except SourceError as exc:
        raise refused(exc) from None
    except ZIP_ERRORS:
        raise damaged from None
    return plan


def _damaged_zip() -> ImportRefused:
    return ImportRefused("bitwarden_zip_invalid", "The zip file is damaged.")


def _leave_unsupported_files(archive: zipfile.ZipFile, plan: ImportPlan, where: str) -> None:
    """Coffer keeps documents of a few types only: others are listed, not imported."""

    def supported(file: PlannedFile) -> bool:
        with archive.open(file.ref.removeprefix("zip:")) as handle:
            head = handle.read(sniffing.SNIFF_BYTES)
        try:
            sniffing.check_type(head, declared=None, whole_file=len(head) < sniffing.SNIFF_BYTES)
        except UnsupportedContent:
            plan.leave(where, f"file '{file.name}'",
                       "Coffer keeps PDF, JPEG, PNG, WebP, HEIC and TIFF documents only.")
            return False
        return True

    for record in plan.records:
        record.files = [file for file in record.files if supported(file)]
    plan.files = [file for file in plan.files if supported(file)]


# ---- a stored source, opened ----

PIECE = 1 << 20


class OpenedSource:
    """A stored source read back: `plan` (checked), then `files()` gives each file's
    bytes by ref, and `finish()` proves the whole source was authentic and complete."""

    def __init__(self, plan: ImportPlan, source_format: str = ""):
        self.plan = checked(plan)
        self.source_format = source_format

    def files(self) -> Iterator[tuple[str, Iterator[bytes]]]:
        return iter(())

    def finish(self) -> None:
        pass


class _ZipSource(OpenedSource):
    def __init__(self, archive: zipfile.ZipFile, plan: ImportPlan, source_format: str):
        super().__init__(plan, source_format)
        self.archive = archive

    def files(self):
        for file in [*(f for r in self.plan.records for f in r.files), *self.plan.files]:
            yield file.ref, self._pieces(file.ref.removeprefix("zip:"))

    def _pieces(self, name: str) -> Iterator[bytes]:
        # zipfile stops at the size the zip declares (checked against the source's own
        # size at the preview) and checks the CRC at the end: a lying member is an error.
        try:
            with self.archive.open(name) as handle:
                while piece := handle.read(PIECE):
                    yield piece
        except ZIP_ERRORS:
            code = "cxf_zip_invalid" if self.source_format == ImportJob.Format.CXF_ZIP else "bitwarden_zip_invalid"
            raise ImportRefused(code, "The zip file is damaged.") from None


class _ExportSource(OpenedSource):
    def __init__(self, reader: ExportReader):
        super().__init__(reader.plan, ImportJob.Format.COFFER)
        self.reader = reader

    def files(self):
        for ref, member, handle in self.reader.files():
            yield ref, self._pieces(handle)

    @staticmethod
    def _pieces(handle) -> Iterator[bytes]:
        try:
            while piece := handle.read(PIECE):
                yield piece
        except (tarfile.TarError, EOFError):
            raise ImportRefused("export_invalid", "The export's archive is damaged.") from None

    def finish(self) -> None:
        # Read to the end of the age stream: only then is a cut-off file known.
        self.reader.drain()


def open_source(source_format: str, *, passphrase: str, plaintext: Iterable[bytes] | None = None,
                seekable=None) -> OpenedSource:
    """The source as a plan and its files. `plaintext` for a stream (age file, JSON),
    `seekable` for a zip. AgeError and IntegrityError reach the caller unchanged."""
    try:
        if source_format == ImportJob.Format.COFFER:
            return _ExportSource(open_export(passphrase, plaintext))
        if source_format in ZIP_FORMATS:
            archive, members = _zip_open(seekable)
            if source_format == ZIP:
                source_format = zip_format(members)
            if source_format == ImportJob.Format.CXF_ZIP:
                return _ZipSource(archive, open_cxp_zip(archive, members), source_format)
            return _ZipSource(archive, open_zip(archive, members), source_format)
        document = parse_json(_bounded(plaintext))
        if source_format == "json":
            source_format = json_format(document)
        if source_format == ImportJob.Format.CXF:
            return OpenedSource(plan_from_cxf(document), source_format)
        return OpenedSource(plan_from_bitwarden(document), source_format)
    except SourceError as exc:
        raise refused(exc) from None


def _bounded(pieces: Iterable[bytes]) -> bytes:
    limit, out = settings.COFFER_IMPORT_MAX_JSON_BYTES, bytearray()
    for piece in pieces:
        out += piece
        if len(out) > limit:
            break
    return bytes(out)
