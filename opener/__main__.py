"""python -m opener: opens a Coffer vault without Coffer (docs/export.md, "Opening your
vault without Coffer"). Secrets never come from the command line: the keyring from
COFFER_SERVER_KEYS or a file, the PIN or recovery code from a prompt or an environment
variable.

Exit status: 0 everything written; 3 written, but some items failed (listed, and in
index.json); 1 nothing written (a wrong PIN or code, or an input it cannot use), or the
output folder could not be written; 2 usage.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from opener import INTEGRITY_ERROR_TEXT, IntegrityError, OpenerError

try:
    from opener.crypto import parse_keyring
    from opener.output import OutputFolder
    from opener.sources import Bucket, BucketFolder, BucketS3, DumpFile, LiveDatabase
    from opener.vault import item_rows, open_vault, write_files, write_records
except ImportError as missing:
    sys.exit(f"opener: {missing.name} is not installed. Install what the opener needs with\n"
             "  pip install --require-hashes -r opener/requirements.txt")

PIN_VARIABLE = "COFFER_OPEN_PIN"
RECOVERY_VARIABLE = "COFFER_OPEN_RECOVERY_CODE"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m opener",
        description="Writes every record and file of one Coffer vault to a folder, from a database "
                    "dump, the bucket, the server keyring and the PIN or recovery code.",
    )
    database = parser.add_mutually_exclusive_group(required=True)
    database.add_argument("--dump", type=Path, help="a plain-SQL pg_dump file")
    database.add_argument("--database-url", help="postgres://user@host/name (password from PGPASSWORD or ~/.pgpass)")
    parser.add_argument("--bucket", required=True, help="a local copy of the bucket, or s3://bucket-name")
    parser.add_argument("--s3-endpoint", help="the S3 endpoint URL for an s3:// bucket (else AWS_ENDPOINT_URL)")
    parser.add_argument("--keyring-file", type=Path,
                        help="a file holding the server keyring (else COFFER_SERVER_KEYS, then COFFER_SERVER_KEYS_FILE)")
    parser.add_argument("--username", required=True, help="whose vault to open")
    parser.add_argument("--recovery-code", action="store_true",
                        help=f"ask for the recovery code instead of the PIN (or set {RECOVERY_VARIABLE})")
    parser.add_argument("--output", type=Path, required=True, help="an empty or new folder to write to")
    return parser.parse_args(argv)


def _keyring_text(keyring_file: Path | None) -> str:
    if keyring_file is None:
        if os.environ.get("COFFER_SERVER_KEYS"):
            return os.environ["COFFER_SERVER_KEYS"]
        if not os.environ.get("COFFER_SERVER_KEYS_FILE"):
            raise OpenerError("give the server keyring: --keyring-file, or COFFER_SERVER_KEYS")
        keyring_file = Path(os.environ["COFFER_SERVER_KEYS_FILE"])
    try:
        return keyring_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise OpenerError(f"cannot read the keyring file {keyring_file}") from None


def _secret(recovery: bool) -> str:
    variable = RECOVERY_VARIABLE if recovery else PIN_VARIABLE
    value = os.environ.get(variable)
    if value is None:
        value = getpass.getpass("Recovery code: " if recovery else "PIN: ")
    return value.strip() if recovery else value  # a PIN is not trimmed (docs/format.md §4)


def run(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.output.exists() and (not args.output.is_dir() or any(args.output.iterdir())):
        raise OpenerError(f"{args.output} is not an empty folder: name a new one")
    keyring = parse_keyring(_keyring_text(args.keyring_file))
    database = DumpFile(args.dump) if args.dump else LiveDatabase(args.database_url)
    bucket: Bucket
    if args.bucket.startswith("s3://"):
        bucket = BucketS3(args.bucket, args.s3_endpoint)
    else:
        bucket = BucketFolder(Path(args.bucket))
    recovery = args.recovery_code or RECOVERY_VARIABLE in os.environ
    secret = _secret(recovery)
    opened = open_vault(database, keyring, args.username,
                        pin=None if recovery else secret, recovery_code=secret if recovery else None)
    file_rows, record_rows = item_rows(opened, database)
    output = OutputFolder(args.output)
    output.create()  # from here on, every failure is one item's, reported and skipped
    files = write_files(opened, file_rows, bucket, output)
    records = write_records(opened, record_rows, output, files)
    output.write_json("index.json", {
        "coffer_opener": 1, "username": opened.username, "user_id": opened.user_id,
        "opened_with": "recovery code" if recovery else "PIN",
        "records": records, "files": files, "failures": opened.failures,
    })
    total = sum(entry["size"] for entry in files)
    print(f"Opened {opened.username}'s vault: {len(records)} records and {len(files)} files "
          f"({total} bytes) written to {args.output}.")
    for failure in opened.failures:
        print(f"Not written: {failure['item']} {failure['id']}: {failure['error']}.")
    if opened.failures:
        print(f"{len(opened.failures)} items could not be opened; index.json lists them.")
        return 3
    return 0


def main() -> None:
    try:
        status = run()
    except IntegrityError:
        print(f"opener: {INTEGRITY_ERROR_TEXT}. Nothing was written.", file=sys.stderr)
        status = 1
    except OpenerError as error:
        print(f"opener: {error}", file=sys.stderr)
        status = 1
    except OSError as error:  # the output disk is full or went away: what is there is incomplete
        print(f"opener: cannot write to the output folder: {error.strerror}. What it holds is incomplete.",
              file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        status = 130
    sys.exit(status)


if __name__ == "__main__":
    main()
