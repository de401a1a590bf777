"""The offline opener opens a vault made through the API (issue 18, Deliver 3), from a
plain pg_dump and a copy of the bucket, with the PIN and with the recovery code, in a
Python that has nothing but the opener, PyNaCl and argon2-cffi."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from opener.sources import DumpFile

from .conftest import NEW_PIN, PIN, USERNAME, Kit, imported_modules, run_opener

# The test database must exist; the kit's rows are committed before any test's transaction.
pytestmark = pytest.mark.django_db

SERVER_MODULES = {"django", "coffer", "vault", "records", "files", "storage", "celery", "rest_framework", "accounts"}


def _open(kit: Kit, bare_path: Path, output: Path, *, bucket: Path | None = None, dump: Path | None = None,
          keyring_file: Path | None = None, **secret: str):
    keyring = ["--keyring-file", str(keyring_file)] if keyring_file else []
    return run_opener(
        "--dump", str(dump or kit.dump), "--bucket", str(bucket or kit.bucket), "--username", USERNAME,
        "--output", str(output), *keyring,
        python_path=bare_path, env={**({} if keyring_file else {"COFFER_SERVER_KEYS": kit.keyring}), **secret},
    )


def _index(output: Path) -> dict:
    return json.loads((output / "index.json").read_text(encoding="utf-8"))


def assert_everything_written(kit: Kit, output: Path) -> dict:
    index = _index(output)
    assert index["failures"] == []
    assert {entry["id"] for entry in index["records"]} == set(kit.records)
    for record_id, expected in kit.records.items():
        written = json.loads((output / "records" / f"{record_id}.json").read_text(encoding="utf-8"))
        for name, value in expected.items():
            assert written[name] == value, f"{expected['kind']}: {name}"
    by_id = {entry["id"]: entry for entry in index["files"]}
    assert set(by_id) == set(kit.files)
    for file_id, expected in kit.files.items():
        entry = by_id[file_id]
        data = (output / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == expected["sha256"]
        assert len(data) == entry["size"] == expected["size"]
        assert entry["name"] == expected["name"] and entry["record_id"] == expected["record_id"]
    paths = sorted(path.relative_to(output).as_posix() for path in output.rglob("*") if path.is_file())
    assert paths == sorted(["index.json", *(f"records/{i}.json" for i in kit.records), *(e["path"] for e in index["files"])])
    return index


def test_it_opens_the_vault_with_the_pin_and_writes_every_record_and_file(kit, bare_path, tmp_path):
    output = tmp_path / "out"
    result = _open(kit, bare_path, output, COFFER_OPEN_PIN=NEW_PIN)
    assert result.returncode == 0, result.stderr[-3000:]
    index = assert_everything_written(kit, output)
    assert index["opened_with"] == "PIN" and index["username"] == USERNAME
    assert f"{len(kit.records)} records and {len(kit.files)} files" in result.stdout
    assert {"opener", "nacl", "argon2"} <= imported_modules(result)
    assert not imported_modules(result) & SERVER_MODULES
    # Attached files are listed in their record.
    passport = next(i for i, r in kit.records.items() if r["kind"] == "passport")
    attached = json.loads((output / "records" / f"{passport}.json").read_text())["files"]
    assert [entry["path"] for entry in attached] == ["files/passport scan.pdf"]


def test_the_dump_holds_two_live_vault_key_versions_and_re_encrypted_files(kit):
    """What the other tests rely on: rows under vault keys 2 and 3 (a rotation waiting),
    after a PIN change and a finished re-encryption (DEK version 2)."""
    dump = DumpFile(kit.dump)
    user_id = dump.select("auth_user", "username", USERNAME)[0]["id"]
    vault = dump.select("vault_vault", "user_id", user_id)[0]
    assert sorted(row["version"] for row in dump.select("vault_vaultkey", "vault_id", vault["id"])) == ["2", "3"]
    records = dump.select("records_record", "owner_id", user_id)
    files = dump.select("files_file", "owner_id", user_id)
    assert {row["vault_key_version"] for row in records + files} == {"2", "3"}
    assert {row["dek_version"] for row in files} == {"1", "2"}


def test_it_opens_the_vault_with_the_recovery_code(kit, bare_path, tmp_path):
    output = tmp_path / "out"
    keyring_file = tmp_path / "server-keys.txt"
    keyring_file.write_text(kit.keyring.replace(",", "\r\n") + "\n")  # one key a line, as an operator might keep it
    result = _open(kit, bare_path, output, keyring_file=keyring_file,
                   COFFER_OPEN_RECOVERY_CODE=f"  {kit.recovery_code.lower()}\n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert assert_everything_written(kit, output)["opened_with"] == "recovery code"


def test_it_gives_every_file_a_safe_and_distinct_name(kit, bare_path, tmp_path):
    output = tmp_path / "out"
    assert _open(kit, bare_path, output, COFFER_OPEN_PIN=NEW_PIN).returncode == 0
    names = {entry["name"]: entry["path"] for entry in _index(output)["files"]}
    assert names["Führerschein – Rückseite.png"] == "files/Führerschein – Rückseite.png"
    assert names['CON: "final"?.pdf'] == "files/CON_ _final__.pdf"
    assert {names["scan.pdf"], names["SCAN.pdf"]} == {"files/scan.pdf", "files/SCAN (2).pdf"}


def test_a_wrong_pin_gives_the_one_error_and_writes_nothing(kit, bare_path, tmp_path):
    output = tmp_path / "out"
    for pin in (PIN, "000000"):  # the PIN before the change opens nothing either
        result = _open(kit, bare_path, output, COFFER_OPEN_PIN=pin)
        assert result.returncode == 1
        assert result.stdout == ""
        assert [line for line in result.stderr.splitlines() if not line.startswith("import time:")] == [
            "opener: integrity check failed. Nothing was written."
        ]
        assert not output.exists()


def test_a_wrong_recovery_code_gives_the_same_error(kit, bare_path, tmp_path):
    output = tmp_path / "out"
    wrong = "0000-0000-0000-0000-0000-0000-0000-0000"
    for code in (wrong, "not a code"):
        result = _open(kit, bare_path, output, COFFER_OPEN_RECOVERY_CODE=code)
        assert result.returncode == 1 and "opener: integrity check failed. Nothing was written." in result.stderr
        assert not output.exists()


def test_a_tampered_blob_is_reported_for_that_file_only(kit, bare_path, tmp_path):
    bucket = tmp_path / "bucket"
    shutil.copytree(kit.bucket, bucket)
    big = max(kit.files, key=lambda file_id: kit.files[file_id]["size"])
    dump = kit.dump.read_text(encoding="utf-8")
    blob_key = _blob_key(dump, big)
    with open(bucket / blob_key, "r+b") as stored:
        stored.seek(2 * 1024 * 1024)
        byte = stored.read(1)
        stored.seek(-1, 1)
        stored.write(bytes([byte[0] ^ 0x01]))
    output = tmp_path / "out"
    result = _open(kit, bare_path, output, bucket=bucket, COFFER_OPEN_PIN=NEW_PIN)
    assert result.returncode == 3, result.stderr[-3000:]
    index = _index(output)
    assert index["failures"] == [{"item": "file", "id": big, "error": "integrity check failed"}]
    assert f"Not written: file {big}: integrity check failed." in result.stdout
    assert {entry["id"] for entry in index["files"]} == set(kit.files) - {big}
    assert {entry["id"] for entry in index["records"]} == set(kit.records)
    assert sorted(path.name for path in (output / "files").iterdir()) == sorted(
        Path(entry["path"]).name for entry in index["files"]
    )  # no partial file of the tampered one


def test_a_tampered_record_row_is_reported_for_that_record_only(kit, bare_path, tmp_path):
    dump = kit.dump.read_text(encoding="utf-8")
    victim = next(iter(kit.records))
    line, fields = _dump_row(dump, "records_record", victim)
    tampered = tmp_path / "coffer.sql"
    tampered.write_text(_flip_last_hex_digit(dump, line, fields["ciphertext"]), encoding="utf-8")  # its tag
    output = tmp_path / "out"
    result = _open(kit, bare_path, output, dump=tampered, COFFER_OPEN_PIN=NEW_PIN)
    assert result.returncode == 3
    index = _index(output)
    assert index["failures"] == [{"item": "record", "id": victim, "error": "integrity check failed"}]
    assert {entry["id"] for entry in index["records"]} == set(kit.records) - {victim}
    assert not (output / "records" / f"{victim}.json").exists()
    assert len(index["files"]) == len(kit.files)


def test_a_damaged_vault_key_fails_only_what_it_wraps(kit, bare_path, tmp_path):
    dump = kit.dump.read_text(encoding="utf-8")
    line, fields = _dump_row(dump, "vault_vaultkey", "3", column="version")
    tampered = tmp_path / "coffer.sql"
    tampered.write_text(_flip_last_hex_digit(dump, line, fields["wrapped_by_kek"]), encoding="utf-8")
    under_3 = {
        row["id"]: item
        for table, item in (("records_record", "record"), ("files_file", "file"))
        for row in DumpFile(kit.dump).select(table, "vault_key_version", "3")
    }
    assert sorted(under_3.values()) == ["file", "record"]  # the late note and late.pdf
    output = tmp_path / "out"
    result = _open(kit, bare_path, output, dump=tampered, COFFER_OPEN_PIN=NEW_PIN)
    assert result.returncode == 3
    index = _index(output)
    assert sorted((f["item"], f["id"]) for f in index["failures"]) == sorted(
        [("vault key", "3"), *((item, row_id) for row_id, item in under_3.items())]
    )
    assert {e["id"] for e in index["records"]} | {e["id"] for e in index["files"]} == (set(kit.records) | set(kit.files)) - set(under_3)


def test_a_file_whose_object_is_missing_is_named_and_the_rest_written(kit, bare_path, tmp_path):
    bucket = tmp_path / "bucket"
    shutil.copytree(kit.bucket, bucket)
    gone = next(iter(kit.files))
    (bucket / _blob_key(kit.dump.read_text(encoding="utf-8"), gone)).unlink()
    output = tmp_path / "out"
    result = _open(kit, bare_path, output, bucket=bucket, COFFER_OPEN_PIN=NEW_PIN)
    assert result.returncode == 3
    assert _index(output)["failures"] == [{"item": "file", "id": gone, "error": "its object is not in the bucket"}]
    assert len(_index(output)["files"]) == len(kit.files) - 1


def test_a_store_that_refuses_fails_each_file_and_still_writes_the_records(kit, tmp_path):
    output = tmp_path / "out"
    result = run_opener(
        "--dump", str(kit.dump), "--bucket", "s3://no-such-bucket", "--s3-endpoint", kit.s3["endpoint"],
        "--username", USERNAME, "--output", str(output), python_path=None, bare=False,
        env={"COFFER_SERVER_KEYS": kit.keyring, "COFFER_OPEN_PIN": NEW_PIN, "HOME": str(tmp_path),
             **{k: v for k, v in kit.s3.items() if k.startswith("AWS_")}},
    )
    assert result.returncode == 3, result.stderr[-3000:]
    index = _index(output)
    assert index["files"] == [] and {e["id"] for e in index["records"]} == set(kit.records)
    assert {f["id"] for f in index["failures"]} == set(kit.files)
    assert {f["error"] for f in index["failures"]} == {"cannot read the bucket: NoSuchBucket"}


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_it_reads_a_live_database_and_an_s3_bucket_without_importing_django(kit, tmp_path):
    output = tmp_path / "out"
    result = run_opener(
        "--database-url", _database_url(), "--bucket", f"s3://{kit.s3['bucket']}", "--s3-endpoint", kit.s3["endpoint"],
        "--username", USERNAME, "--output", str(output), "--recovery-code",
        python_path=None, bare=False,
        env={"COFFER_SERVER_KEYS": kit.keyring, "HOME": str(tmp_path), **{k: v for k, v in kit.s3.items() if k.startswith("AWS_")}},
        input=kit.recovery_code + "\n",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # The database now holds the vault after the second rotation finished: one key version.
    assert_everything_written(kit, output)
    assert {"psycopg", "boto3"} <= imported_modules(result)
    assert not imported_modules(result) & SERVER_MODULES


def test_a_live_database_is_read_in_one_snapshot_while_a_rotation_commits(kit, tmp_path):
    """The dangerous interleaving, held by running the opener's steps in order: it reads the
    vault keys, a rotation then moves every record to a new key and destroys the old one,
    and only then does it read the records. Its one snapshot keeps them on the keys it read."""
    from coffer_client import Coffer

    from opener.crypto import parse_keyring
    from opener.output import OutputFolder
    from opener.sources import LiveDatabase
    from opener.vault import item_rows, open_vault, write_records
    from records.models import Record

    database = LiveDatabase(_database_url())
    try:
        opened = open_vault(database, parse_keyring(kit.keyring), USERNAME, pin=NEW_PIN)
        with Coffer(kit.api_url, kit.token) as coffer:
            coffer.unlock(NEW_PIN)
            assert coffer.follow_rotation(coffer.start_rotation("rewrap").id, interval=0.2, timeout=120).state == "done"
        moved_to = set(Record.objects.filter(owner__username=USERNAME).values_list("vault_key_version", flat=True))
        assert not moved_to & set(opened.vault_keys)  # the keys it holds no longer wrap any record
        output = OutputFolder(tmp_path / "out")
        output.create()
        written = write_records(opened, item_rows(opened, database)[1], output, files=[])
    finally:
        database.close()
    assert opened.failures == []
    assert {entry["id"] for entry in written} == set(kit.records)
    for record_id, expected in kit.records.items():
        assert json.loads((tmp_path / "out" / "records" / f"{record_id}.json").read_text())["data"] == expected["data"]


def test_it_opens_coffers_own_custom_format_backup_once_pg_restore_made_it_plain(kit, bare_path, tmp_path):
    """docs/export.md: the compose backup is `pg_dump --format=custom`; the opener names
    the pg_restore command that turns it into a plain dump, which it then opens."""
    from django.db import connection

    db = connection.settings_dict
    server = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres"]
    backup = tmp_path / "coffer-20260101T000000Z.dump"
    subprocess.run(["pg_dump", *server, "--format=custom", f"--file={backup}", db["NAME"]], check=True)
    refused = _open(kit, bare_path, tmp_path / "refused", dump=backup, COFFER_OPEN_PIN=NEW_PIN)
    assert refused.returncode == 1 and f"pg_restore -f coffer.sql {backup}" in refused.stderr
    plain = tmp_path / "coffer.sql"
    subprocess.run(["pg_restore", "-f", str(plain), str(backup)], check=True)
    output = tmp_path / "out"
    result = _open(kit, bare_path, output, dump=plain, COFFER_OPEN_PIN=NEW_PIN)
    assert result.returncode == 0, result.stderr[-3000:]
    assert_everything_written(kit, output)


def test_it_refuses_a_folder_that_is_not_empty(kit, bare_path, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    result = _open(kit, bare_path, tmp_path / "out", COFFER_OPEN_PIN=NEW_PIN)
    assert result.returncode == 1 and "is not an empty folder" in result.stderr
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["mine.txt"]


def _dump_row(dump: str, table: str, row_id: str, column: str = "id") -> tuple[str, dict[str, str]]:
    """The COPY line of the row of the dump whose `column` is `row_id`, and its fields by
    column (escapes left as they are)."""
    header = next(line for line in dump.splitlines() if line.startswith(f"COPY public.{table} "))
    columns = [name.strip() for name in header[header.index("(") + 1:header.index(")")].split(",")]
    for line in dump[dump.index(header) + len(header) + 1:].splitlines():
        fields = dict(zip(columns, line.split("\t")))
        if fields[column] == row_id:
            return line, fields
    raise AssertionError(f"{row_id} is not in the dump's {table}")


def _blob_key(dump: str, file_id: str) -> str:
    return _dump_row(dump, "files_file", file_id)[1]["blob_key"]


def _flip_last_hex_digit(dump: str, line: str, column_text: str) -> str:
    flipped = column_text[:-1] + ("0" if column_text[-1] != "0" else "1")
    return dump.replace(line, line.replace(column_text, flipped))
