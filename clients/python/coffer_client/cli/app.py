"""`coffer app keygen|register|status|grants|open|scans|correct|corrections|verify`: an app's side, its private keys
kept in a keys file (mode 0600) named by --keys or COFFER_APP_KEYS."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..app import AppClient, AppKeys, verify_attestation_by_handle, verify_attestation_offline
from ..errors import VerificationError
from .common import emit, fail, json_option, reported_errors, state, transfer_progress

keys_option = click.option(
    "--keys", "keys_path", envvar="COFFER_APP_KEYS", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The app's keys file (or COFFER_APP_KEYS).",
)


def _client(keys_path: Path) -> AppClient:
    return AppClient(state().resolved_server(), AppKeys.load(keys_path))


@click.group()
def app() -> None:
    """Your app's side: keys, registration, the grants users made to it, attestations."""


@app.command()
@keys_option
@click.option("--force", is_flag=True, help="Replace an existing keys file.")
@json_option
def keygen(keys_path: Path, force: bool) -> None:
    """Make the app's X25519 and Ed25519 keys and write them to the keys file."""
    if keys_path.exists() and not force:
        fail(f"{keys_path} exists; --force replaces it (and the app registered with it is lost).", 2)
    keys = AppKeys.generate()
    keys.save(keys_path)
    emit({"box_public_key": keys.box_public_key, "sign_public_key": keys.sign_public_key},
         columns=("key", "public half"), rows=[("X25519 (grants)", keys.box_public_key),
                                               ("Ed25519 (requests)", keys.sign_public_key)])


@app.command()
@keys_option
@click.option("--name", required=True, help="The app's name, as users will see it.")
@click.option("--callback", required=True, help="https:// URL of the app (http:// only for localhost).")
@json_option
def register(keys_path: Path, name: str, callback: str) -> None:
    """Register the app's keys with Coffer; an admin then approves it."""
    with reported_errors(), _client(keys_path) as client:
        registered = client.register(name=name, callback_url=callback)
    client.keys.save(keys_path)
    emit(registered, columns=("app id", "state"), rows=[(registered["id"], registered["state"])])


@app.command("status")
@keys_option
@json_option
def app_status(keys_path: Path) -> None:
    """The app's registration: pending, approved or revoked."""
    with reported_errors(), _client(keys_path) as client:
        me = client.me()
    emit(me, columns=("app id", "name", "state"), rows=[(me["id"], me["name"], me["state"])])


@app.command()
@keys_option
@json_option
def grants(keys_path: Path) -> None:
    """List the live grants served to the app (still sealed; `open` reads them)."""
    with reported_errors(), _client(keys_path) as client:
        served = list(client.served_grants())
    emit([{k: v for k, v in g.items() if k != "sealed_grant"} for g in served],
         columns=("grant id", "user", "issued", "expires"),
         rows=[(g["id"], g["user_id"], g["issued_at"], g["expires_at"]) for g in served])


@app.command("open")
@keys_option
@click.argument("grant_ids", nargs=-1)
@json_option
def open_(keys_path: Path, grant_ids: tuple[str, ...]) -> None:
    """Unseal and verify grants (all, or the GRANT_IDS) and print the shared fields.

    Exits 1, printing nothing of it, if any grant fails to verify."""
    with reported_errors(), _client(keys_path) as client:
        opened = [client.open(g) for g in client.served_grants() if not grant_ids or g["id"] in grant_ids]
    if grant_ids and len(opened) != len(set(grant_ids)):
        fail("error: not_found: some of these grants are not live for this app")
    rows = [(g.grant_id, g.user_id, r.label, r.kind, name, value)
            for g in opened for r in g.records for name, value in r.fields.items()]
    emit([g.as_json() for g in opened], columns=("grant", "user", "record", "kind", "field", "value"), rows=rows)


_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
               "image/tiff": ".tiff", "application/pdf": ".pdf"}


@app.command()
@keys_option
@click.argument("grant_id")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The folder to write the scans to (made if missing).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
@json_option
def scans(keys_path: Path, grant_id: str, out_dir: Path, quiet: bool) -> None:
    """Download, decrypt and verify every scan shared in GRANT_ID.

    Each is checked against the SHA-256 the user signed before it is written, as
    <record id>-<role>-<n>.<ext>; a scan that fails is not written, and the command exits 1."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with reported_errors(), _client(keys_path) as client:
        opened = [client.open(g) for g in client.served_grants() if g["id"] == grant_id]
        if not opened:
            fail("error: not_found: no live grant with this id for this app")
        for record in opened[0].records:
            for number, scan in enumerate(record.scans, start=1):
                name = f"{record.id}-{scan.role}-{number}{_EXTENSIONS.get(scan.content_type, '.bin')}"
                with transfer_progress(f"down {name}", quiet) as progress:
                    path = client.download_scan(opened[0], scan, out_dir / name, progress=progress)
                written.append({**scan.as_json(), "record_id": record.id, "path": str(path)})
    emit(written, columns=("record", "role", "type", "size", "sha256", "path"),
         rows=[(w["record_id"], w["role"], w["content_type"], w["size"], w["sha256"], w["path"]) for w in written])


@app.command()
@keys_option
@click.argument("grant_id")
@click.argument("record_id")
@click.option("--field", help="A field the grant shares of this record.")
@click.option("--scan-role", help="A scan role the grant shares of this record (front, back, selfie, ...).")
@click.option("--message", required=True, help="What to fix, for the user to read (1 to 300 characters).")
@json_option
def correct(keys_path: Path, grant_id: str, record_id: str, field: str | None, scan_role: str | None,
            message: str) -> None:
    """Ask the user to fix a record shared in GRANT_ID: a field, a scan, or the whole record."""
    with reported_errors(), _client(keys_path) as client:
        reported = client.report_correction(grant_id, record_id, field=field, scan_role=scan_role, message=message)
    emit(reported, columns=("correction id", "state"), rows=[(reported["id"], reported["state"])])


@app.command()
@keys_option
@click.argument("grant_id")
@json_option
def corrections(keys_path: Path, grant_id: str) -> None:
    """This app's corrections on GRANT_ID: open, or resolved (changed or dismissed by the user)."""
    with reported_errors(), _client(keys_path) as client:
        found = client.corrections(grant_id)
    emit(found, columns=("id", "record", "about", "state", "reason"),
         rows=[(c["id"], c["record_id"], c["field"] or c["scan_role"] or "", c["state"], c["reason"] or "")
               for c in found])


@app.command()
@click.argument("attestation", type=click.File("r", encoding="utf-8"))
@click.option("--key-handle", help="The key handle the user gave you (checked with the server).")
@click.option("--public-key", help="The user's Ed25519 public key, base64, to check offline.")
@click.option("--purpose", help="Refuse it unless it was signed for this purpose.")
@json_option
def verify(attestation: Any, key_handle: str | None, public_key: str | None, purpose: str | None) -> None:
    """Verify a signed ATTESTATION (a file with the JSON the user's Coffer answered, or -)."""
    if bool(key_handle) == bool(public_key):
        fail("Give exactly one of --key-handle and --public-key.", 2)
    signed = json.load(attestation)
    with reported_errors():
        if public_key:
            verified = verify_attestation_offline(signed, public_key=public_key)
        else:
            verified = verify_attestation_by_handle(state().resolved_server(), signed, handle=str(key_handle))
        if purpose is not None and verified.purpose != purpose:
            raise VerificationError(f"signed for {verified.purpose!r}, not {purpose!r}")
    emit({"verified": True, "attestation": signed.get("attestation"), "user_id": verified.user_id,
          "purpose": verified.purpose, "issued_at": verified.issued_at, "payload": verified.payload},
         columns=("verified", "user", "purpose", "issued at", "payload"),
         rows=[("yes", verified.user_id, verified.purpose, verified.issued_at,
                json.dumps(verified.payload, ensure_ascii=False))])
