"""Where the opener reads from: a plain-SQL pg_dump (its COPY blocks) or a live database,
and the bucket as a local folder or an S3 URL. The tables and columns are those of
docs/format.md §13; every value is read as PostgreSQL's text form and converted here, so
a dump and a live database give the same rows."""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from opener import IntegrityError, OpenerError


def _bytea(text: str) -> bytes:
    if not text.startswith("\\x"):
        raise IntegrityError()  # only the hex output format (PostgreSQL's default since 9.0)
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise IntegrityError() from None


def _integer(text: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", text):
        raise IntegrityError()
    return int(text)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise IntegrityError() from None


def _text(text: str) -> str:
    return text


# The columns the opener reads, by table (docs/format.md §13), and how each converts.
TABLES: dict[str, dict[str, Callable[[str], Any]]] = {
    "auth_user": {"id": _integer, "username": _text},
    "vault_vault": {
        "id": _integer, "user_id": _integer, "kdf_salt": _bytea, "kdf_params": _json,
        "wrapped_server_share": _bytea, "server_key_version": _integer, "recovery_public_key": _bytea,
    },
    "vault_vaultkey": {"vault_id": _integer, "version": _integer, "wrapped_by_kek": _bytea, "wrapped_by_recovery": _bytea},
    "records_record": {
        "id": _text, "owner_id": _integer, "kind": _text, "schema_version": _integer,
        "vault_key_version": _integer, "dek_version": _integer, "wrapped_dek": _bytea, "ciphertext": _bytea,
        "created_at": _text, "updated_at": _text,
    },
    "files_file": {
        "id": _text, "owner_id": _integer, "record_id": _text, "blob_key": _text,
        "vault_key_version": _integer, "dek_version": _integer, "wrapped_dek": _bytea, "sealed_filename": _bytea,
        "plaintext_size": _integer, "ciphertext_size": _integer, "content_type": _text, "created_at": _text,
    },
}


def typed(table: str, row: dict[str, str | None]) -> dict[str, Any]:
    """Converts one row's text values; a malformed value is the one error, for that row."""
    converted = {}
    for name, convert in TABLES[table].items():
        text = row[name]
        converted[name] = None if text is None else convert(text)
    return converted


class Database(Protocol):
    def select(self, table: str, column: str, value: str) -> list[dict[str, str | None]]:
        """The rows of `table` whose `column` has the text `value`: the columns of TABLES, as text."""


# ---- a plain-SQL pg_dump ----

_COPY = re.compile(r"COPY (\S+) \((.*)\) FROM stdin;")
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.S)
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') and name.endswith('"') else name


def _unescape(match: re.Match[str]) -> str:
    octal, hexadecimal, char = match.groups()
    if octal:
        return chr(int(octal, 8))
    if hexadecimal:
        return chr(int(hexadecimal, 16))
    return _SIMPLE_ESCAPES.get(char, char)


def copy_field(field: str) -> str | None:
    """One field of COPY's text format: `\\N` is NULL, backslash escapes are undone."""
    if field == "\\N":
        return None
    return _ESCAPE.sub(_unescape, field) if "\\" in field else field


class DumpFile:
    """A plain-SQL pg_dump (`pg_dump -f dump.sql`, or `--data-only`; gzipped or not): the
    COPY block of each table is found once, then read again for each query."""

    def __init__(self, path: Path):
        self.path = path
        self.blocks: dict[str, tuple[list[str], int]] = {}
        try:
            with open(path, "rb") as raw:
                magic = raw.read(5)
            if magic == b"PGDMP":
                raise OpenerError(
                    f"{path} is a custom-format dump: turn it into a plain one first, "
                    f"with pg_restore -f coffer.sql {path}"
                )
            self.gzipped = magic[:2] == b"\x1f\x8b"
            with self._open() as dump:
                self._index(dump)
        except (OSError, EOFError) as error:
            raise OpenerError(f"cannot read the dump {path}: {getattr(error, 'strerror', None) or error}") from None

    def _open(self) -> BinaryIO:
        return gzip.open(self.path, "rb") if self.gzipped else open(self.path, "rb")  # type: ignore[return-value]

    def _index(self, dump: BinaryIO) -> None:
        in_block = False
        for line in iter(dump.readline, b""):
            if in_block:
                in_block = line != b"\\.\n"
                continue
            if not line.startswith(b"COPY "):
                continue
            match = _COPY.fullmatch(line.decode("utf-8", "replace").rstrip("\n"))
            if match:
                table = _unquote(match.group(1).split(".")[-1])
                columns = [_unquote(name.strip()) for name in match.group(2).split(",")]
                self.blocks[table] = (columns, dump.tell())
                in_block = True

    def select(self, table: str, column: str, value: str) -> list[dict[str, str | None]]:
        if table not in self.blocks:
            raise OpenerError(
                f"the dump has no COPY block for the table {table}: make a plain dump "
                "(pg_dump without --inserts or --format), of the whole database"
            )
        columns, offset = self.blocks[table]
        missing = [name for name in TABLES[table] if name not in columns]
        if missing:
            raise OpenerError(f"the dump's table {table} has no column {', '.join(missing)}")
        where = columns.index(column)
        rows = []
        with self._open() as dump:
            dump.seek(offset)
            for line in iter(dump.readline, b""):
                if line == b"\\.\n":
                    break
                try:
                    fields = line.decode("utf-8").rstrip("\n").split("\t")
                except UnicodeDecodeError:
                    raise OpenerError(f"the dump's table {table} is not UTF-8: dump with --encoding=UTF8") from None
                if len(fields) != len(columns):
                    raise OpenerError(f"the dump's table {table} has a line that is not {len(columns)} columns")
                if copy_field(fields[where]) == value:
                    row = dict(zip(columns, fields))
                    rows.append({name: copy_field(row[name]) for name in TABLES[table]})
        return rows


# ---- a live PostgreSQL database ----

class LiveDatabase:
    """A database URL (postgres://...), read with psycopg, which only this needs. Every
    query runs in one read-only REPEATABLE READ transaction: one snapshot, so a rotation
    that commits meanwhile cannot move rows to a key version read after the keys were."""

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise OpenerError("a database URL needs psycopg: pip install 'psycopg[binary]'") from None
        self.psycopg = psycopg
        try:
            self.connection = psycopg.connect(url)
        except psycopg.Error as error:
            raise OpenerError(f"cannot connect to the database: {type(error).__name__}") from None
        self.connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.connection.read_only = True
        self.connection.execute("SET LOCAL bytea_output = 'hex'")

    def close(self) -> None:
        self.connection.close()

    def select(self, table: str, column: str, value: str) -> list[dict[str, str | None]]:
        from psycopg import sql

        names = list(TABLES[table])
        query = sql.SQL("SELECT {} FROM {} WHERE {}::text = %s").format(
            sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(name)) for name in names),
            sql.Identifier(table), sql.Identifier(column),
        )
        try:
            with closing(self.connection.cursor()) as cursor:
                cursor.execute(query, (value,))
                return [dict(zip(names, row)) for row in cursor.fetchall()]
        except self.psycopg.Error as error:
            raise OpenerError(f"cannot read the table {table}: {type(error).__name__}") from None


# ---- the bucket ----

_BLOB_KEY = re.compile(r"[0-9a-f]{32}")


class Bucket(Protocol):
    def open(self, blob_key: str) -> tuple[int, BinaryIO]:
        """The object's size in the store, and its bytes from the start."""


class MissingObject(OpenerError):
    def __init__(self) -> None:
        super().__init__("its object is not in the bucket")


class BucketFolder:
    """A local copy of the bucket: `rclone copy` or `aws s3 sync` of an S3 bucket (each
    object a file named by its key), or the filesystem store's folder (`ab/cd/abcd…`)."""

    def __init__(self, root: Path):
        if not root.is_dir():
            raise OpenerError(f"the bucket folder {root} does not exist")
        self.root = root

    def open(self, blob_key: str) -> tuple[int, BinaryIO]:
        if not _BLOB_KEY.fullmatch(blob_key):
            raise IntegrityError()
        for path in (self.root / blob_key, self.root / blob_key[:2] / blob_key[2:4] / blob_key):
            if path.is_file():
                return path.stat().st_size, open(path, "rb")
        raise MissingObject()


class BucketS3:
    """s3://bucket, read with boto3, which only this needs. The endpoint comes from
    --s3-endpoint or AWS_ENDPOINT_URL, the credentials from boto3's usual places."""

    def __init__(self, url: str, endpoint_url: str | None):
        try:
            import boto3
            from botocore.exceptions import BotoCoreError, ClientError
        except ImportError:
            raise OpenerError("an s3:// bucket needs boto3: pip install boto3") from None
        self.bucket = url.removeprefix("s3://").strip("/")
        if not self.bucket or "/" in self.bucket:
            raise OpenerError("name the bucket as s3://bucket-name, with no path after it")
        self.errors = (BotoCoreError, ClientError)
        self.client = boto3.client("s3", endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None)

    def open(self, blob_key: str) -> tuple[int, BinaryIO]:
        if not _BLOB_KEY.fullmatch(blob_key):
            raise IntegrityError()
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=blob_key)
        except self.errors as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                raise MissingObject() from None
            raise OpenerError(f"cannot read the bucket: {code or type(error).__name__}") from None
        return int(answer["ContentLength"]), answer["Body"]
