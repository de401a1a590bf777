"""Opening one user's vault from its rows, and writing what it holds."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from opener import INTEGRITY_ERROR_TEXT, IntegrityError, OpenerError
from opener import crypto
from opener.output import OutputFolder
from opener.sources import Bucket, Database, typed
from opener.stream import decrypt_stream, plaintext_size

# The ids name output files, so only their one form (docs/format.md §2) is taken.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
Rows = list[dict[str, str | None]]


@dataclass
class Opened:
    username: str
    user_id: str
    vault_keys: dict[int, bytes]
    failures: list[dict[str, str]] = field(default_factory=list)

    def fail(self, item: str, item_id: str, error: str = INTEGRITY_ERROR_TEXT) -> None:
        self.failures.append({"item": item, "id": item_id, "error": error})


def open_vault(database: Database, keyring: Mapping[int, bytes], username: str, *, pin: str | None = None,
               recovery_code: str | None = None) -> Opened:
    """The vault keys, opened with the PIN or the recovery code. If none opens (a wrong PIN
    or code, a wrong keyring, damaged rows), the one error, and nothing is written."""
    users = database.select("auth_user", "username", username)
    if not users:
        raise OpenerError(f"there is no user named {username!r} in the database")
    user_id = str(typed("auth_user", users[0])["id"])
    vaults = database.select("vault_vault", "user_id", user_id)
    if not vaults:
        raise OpenerError(f"{username} has no vault: a PIN was never set")
    vault = typed("vault_vault", vaults[0])
    share = crypto.server_share(keyring, user_id, vault["server_key_version"], vault["wrapped_server_share"])
    open_one = _key_opener(vault, share, user_id, pin=pin, recovery_code=recovery_code)
    opened = Opened(username=username, user_id=user_id, vault_keys={})
    for raw in database.select("vault_vaultkey", "vault_id", str(vault["id"])):
        try:
            row = typed("vault_vaultkey", raw)
            opened.vault_keys[row["version"]] = open_one(row)
        except IntegrityError:
            opened.fail("vault key", str(raw["version"]))
    if not opened.vault_keys:
        raise IntegrityError()
    return opened


def _key_opener(vault: dict[str, Any], share: bytes, user_id: str, *, pin: str | None,
                recovery_code: str | None) -> Callable[[dict[str, Any]], bytes]:
    """What opens one vault_vaultkey row: the recovery key pair, or the PIN's KEK."""
    if recovery_code is not None:
        pair = crypto.recovery_key_pair(recovery_code, share, user_id)
        if pair[0] != vault["recovery_public_key"]:  # a wrong code: no need to try every version
            raise IntegrityError()
        return lambda row: crypto.open_vault_key_with_recovery(pair, user_id, row["version"], row["wrapped_by_recovery"])
    kek = crypto.kek_from_pin(pin or "", vault["kdf_salt"], vault["kdf_params"], share, user_id)
    return lambda row: crypto.open_vault_key_with_kek(kek, user_id, row["version"], row["wrapped_by_kek"])


def _by_creation(rows: Rows) -> Rows:
    return sorted(rows, key=lambda raw: raw["created_at"] or "")


def _write_file(opened: Opened, row: dict[str, Any], bucket: Bucket, output: OutputFolder) -> dict[str, Any]:
    """Opens one files_file row and writes its file; the one error if any check fails."""
    file_id, dek_version = row["id"], row["dek_version"]
    dek = crypto.open_dek(opened.vault_keys, "dek/file", opened.user_id, file_id, row["vault_key_version"],
                          row["wrapped_dek"])
    name = crypto.open_filename(dek, opened.user_id, file_id, dek_version, row["sealed_filename"])
    if plaintext_size(row["ciphertext_size"]) != row["plaintext_size"]:
        raise IntegrityError()
    size, stream = bucket.open(row["blob_key"])
    with closing(stream):
        if size != row["ciphertext_size"]:  # the row's size is the trusted one (format-stream.md)
            raise IntegrityError()
        ctx = crypto.context("file", opened.user_id, file_id, dek_version)
        path, sha256, _ = output.write_file(name, decrypt_stream(dek, ctx, stream, size))
    return {
        "id": file_id, "name": name, "path": path, "size": row["plaintext_size"], "sha256": sha256,
        "content_type": row["content_type"], "record_id": row["record_id"], "created_at": row["created_at"],
    }


def item_rows(opened: Opened, database: Database) -> tuple[Rows, Rows]:
    """The user's files_file and records_record rows, read before anything is written."""
    return (database.select("files_file", "owner_id", opened.user_id),
            database.select("records_record", "owner_id", opened.user_id))


def write_files(opened: Opened, rows: Rows, bucket: Bucket, output: OutputFolder) -> list[dict[str, Any]]:
    written = []
    for raw in _by_creation(rows):
        try:
            written.append(_write_file(opened, typed("files_file", raw), bucket, output))
        except IntegrityError:
            opened.fail("file", str(raw["id"]))
        except OpenerError as problem:  # its object is missing, or the store did not answer
            opened.fail("file", str(raw["id"]), str(problem))
    return written


def _open_record(opened: Opened, row: dict[str, Any]) -> dict[str, Any]:
    record_id = row["id"]
    if not _UUID.fullmatch(record_id):
        raise IntegrityError()
    dek = crypto.open_dek(opened.vault_keys, "dek/record", opened.user_id, record_id, row["vault_key_version"],
                          row["wrapped_dek"])
    return crypto.open_record(dek, opened.user_id, record_id, row["dek_version"], row["kind"],
                              row["schema_version"], row["ciphertext"])


def write_records(opened: Opened, rows: Rows, output: OutputFolder, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    written = []
    for raw in _by_creation(rows):
        try:
            row = typed("records_record", raw)
            payload = _open_record(opened, row)
        except IntegrityError:
            opened.fail("record", str(raw["id"]))
            continue
        record_id = row["id"]
        path = f"records/{record_id}.json"
        output.write_json(path, {
            "id": record_id, "kind": row["kind"], "schema_version": row["schema_version"],
            "label": payload["label"], "data": payload["data"],
            "created_at": row["created_at"], "updated_at": row["updated_at"],
            "files": [{"id": f["id"], "path": f["path"]} for f in files if f["record_id"] == record_id],
        })
        written.append({"id": record_id, "kind": row["kind"], "label": payload["label"], "path": path})
    return written
