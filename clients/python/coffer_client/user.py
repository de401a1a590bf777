"""The user face: a token, the vault unlocked with the PIN, records, files, rotations,
grants to apps and attestations. The unlock secret lives only in this object's memory."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from .models import Export, FileInfo, Grant, Progress, Record, Rotation, UnlockSession, from_json
from .resumable import cancel_resumable, upload_resumable
from .transfers import Source, byte_range, download, upload_body
from .transport import RetryPolicy, Transport

UNLOCK_HEADER = "X-Vault-Unlock"


class Coffer:
    """Coffer as its user sees it, through an API token.

    >>> with Coffer("https://coffer.example", token) as coffer:
    ...     coffer.unlock(pin)
    ...     card = coffer.create_record("bank_card", {...}, label="Everyday Visa")
    """

    def __init__(
        self,
        server: str,
        token: str,
        *,
        unlock_secret: str | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.http = Transport(server, retry=retry, transport=transport, timeout=timeout,
                              headers={"Authorization": f"Token {token}"})
        self.unlock_secret = unlock_secret

    def __enter__(self) -> Coffer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.unlock_secret:
            headers[UNLOCK_HEADER] = self.unlock_secret
        return headers

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        kwargs["headers"] = self._headers(kwargs.get("headers"))
        return self.http.json(method, url, **kwargs)

    # ---- the vault ----

    def vault(self) -> dict[str, Any]:
        """`state` is `unset`, `locked`, `unlocked` or `locked_out`, with KDF and key versions."""
        result: dict[str, Any] = self._call("GET", "/api/v1/vault")
        return result

    def setup(self, pin: str) -> str:
        """Creates the vault with this PIN; returns the recovery code, shown only this once."""
        return str(self._call("POST", "/api/v1/vault/setup", json={"pin": pin})["recovery_code"])

    def unlock(self, pin: str) -> UnlockSession:
        """Unlocks the vault. A `pin_backoff` wait is sat out (up to the retry policy's
        `max_retry_after`); a wrong PIN raises WrongPin at once and is never resent."""
        body = self._call("POST", "/api/v1/vault/unlock", json={"pin": pin})
        self.unlock_secret = body["unlock_secret"]
        return UnlockSession(idle_expires_at=body["idle_expires_at"], expires_at=body["expires_at"])

    def lock(self) -> None:
        """Ends the unlock session on the server at once, and forgets the secret here."""
        if self.unlock_secret:
            self._call("POST", "/api/v1/vault/lock")
        self.unlock_secret = None

    def change_pin(self, pin: str, new_pin: str) -> None:
        self._call("POST", "/api/v1/vault/pin", json={"pin": pin, "new_pin": new_pin})

    # ---- records ----

    def records(self, *, kind: str | None = None) -> list[Record]:
        """Every record (masked), newest first. A damaged one has `integrity_error` set."""
        params = {"kind": kind} if kind else None
        return [from_json(Record, item) for item in self.http.pages("/api/v1/records/", params=params, headers=self._headers())]

    def record(self, record_id: str, *, reveal: bool = False) -> Record:
        """One record; `reveal=True` unmasks its secret fields (and is audited)."""
        params = {"reveal": "true"} if reveal else None
        return from_json(Record, self._call("GET", f"/api/v1/records/{quote(record_id, safe='')}/", params=params))

    def create_record(self, kind: str, data: dict[str, Any], *, label: str | None = None) -> Record:
        body: dict[str, Any] = {"kind": kind, "data": data}
        if label is not None:
            body["label"] = label
        return from_json(Record, self._call("POST", "/api/v1/records/", json=body))

    def update_record(
        self, record: Record | str, *, etag: str | None = None, label: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Record:
        """Changes the label and merges `data` field by field (None removes an optional field).
        Sent with If-Match: the etag of `record`, or `etag`. If someone changed the record
        since, PreconditionFailed is raised and nothing changes: read it again and retry."""
        record_id = record if isinstance(record, str) else record.id
        etag = etag or (None if isinstance(record, str) else record.etag)
        if not etag:
            raise ValueError("an update needs the etag the record was read with")
        body: dict[str, Any] = {}
        if label is not None:
            body["label"] = label
        if data is not None:
            body["data"] = data
        return from_json(Record, self._call(
            "PATCH", f"/api/v1/records/{quote(record_id, safe='')}/", json=body, headers={"If-Match": etag},
        ))

    def delete_record(self, record: Record | str, *, etag: str | None = None) -> None:
        """Deletes; with an etag (or a Record), only if the record is unchanged since."""
        record_id = record if isinstance(record, str) else record.id
        etag = etag or (None if isinstance(record, str) else record.etag)
        self._call("DELETE", f"/api/v1/records/{quote(record_id, safe='')}/", headers={"If-Match": etag} if etag else None)

    # ---- files ----

    def files(self, *, record: str | None = None) -> list[FileInfo]:
        params = {"record": record} if record else None
        return [from_json(FileInfo, item) for item in self.http.pages("/api/v1/files/", params=params, headers=self._headers())]

    def file(self, file_id: str) -> FileInfo:
        return from_json(FileInfo, self._call("GET", self._file_url(file_id)))

    def upload(
        self, source: Source, *, filename: str | None = None, content_type: str = "application/octet-stream",
        record: str | None = None, progress: Progress | None = None, resumable: bool = False, attempts: int = 5,
    ) -> FileInfo:
        """Streams a file (a path, or a binary file object that can seek) to Coffer, which
        encrypts it as it arrives. The type is sniffed from the bytes unless you name one.
        In one request by default: a 503 starts it over from the first byte. With `resumable`
        (a path only), in segments: a dropped connection, or a later call after an
        interrupted one, goes on from what the server holds (`<file>.coffer-upload` remembers
        the session, and is removed once the file is in)."""
        if filename is None:
            if not isinstance(source, (str, os.PathLike)):
                raise ValueError("name the file: filename=")
            filename = Path(source).name
        if resumable:
            if not isinstance(source, (str, os.PathLike)):
                raise ValueError("a resumable upload reads a path")
            answer = upload_resumable(self.http, Path(source), headers=self._headers, filename=filename,
                                      content_type=content_type, record=record, attempts=attempts,
                                      progress=progress)
            return from_json(FileInfo, answer)
        size, body = upload_body(source, progress)
        headers = {"Content-Length": str(size), "Content-Type": content_type, "X-Filename": quote(filename, safe="")}
        if record:
            headers["X-Record"] = record
        return from_json(FileInfo, self._call("POST", "/api/v1/files/", content=body, headers=headers))

    def cancel_upload(self, path: str | os.PathLike[str]) -> bool:
        """Cancels the resumable upload of `path` that an interrupted upload(resumable=True)
        left; whether there was one."""
        return cancel_resumable(self.http, Path(path), headers=self._headers())

    def put_scan(
        self, record_id: str, role: str, source: Source, *, replace: bool = False, filename: str | None = None,
        content_type: str = "application/octet-stream", progress: Progress | None = None,
    ) -> FileInfo:
        """Uploads a scan into a role of a document record (`front`, `back`, `selfie`,
        `translation`, `other`; docs/records.md). `replace` puts it in place of the role's one
        scan (front, back, selfie); otherwise a taken role answers Conflict (`scan_role_taken`)."""
        if filename is None:
            if not isinstance(source, (str, os.PathLike)):
                raise ValueError("name the file: filename=")
            filename = Path(source).name
        size, body = upload_body(source, progress)
        headers = {"Content-Length": str(size), "Content-Type": content_type, "X-Filename": quote(filename, safe="")}
        url = f"/api/v1/records/{quote(record_id, safe='')}/files/{quote(role, safe='')}/"
        return from_json(FileInfo, self._call("PUT" if replace else "POST", url, content=body, headers=headers))

    def download(
        self, file_id: str, destination: str | Path, *, resume: bool = True, attempts: int = 5,
        progress: Progress | None = None,
    ) -> Path:
        """Writes the decrypted file to `destination`, through `<destination>.part`. A dropped
        connection continues with a Range request from the last byte received, as does a
        later call after an interrupted one (`resume`)."""
        size = self.file(file_id).size
        return download(
            self.http, self._file_url(file_id) + "content", Path(destination), headers=self._headers(),
            size=size, resume=resume, attempts=attempts, progress=progress,
        )

    def read(self, file_id: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes start..end (inclusive) of a file, as they arrive. Coffer decrypts only the
        chunks that hold them."""
        return byte_range(self.http, self._file_url(file_id) + "content", headers=self._headers(), start=start, end=end)

    def delete_file(self, file_id: str) -> None:
        self._call("DELETE", self._file_url(file_id))

    def _file_url(self, file_id: str) -> str:
        return f"/api/v1/files/{quote(file_id, safe='')}/"

    # ---- corrections apps asked for ----

    def corrections(self, record_id: str) -> list[dict[str, Any]]:
        """What apps reported about a record, with their messages opened (unlocked vault),
        open and resolved, newest first."""
        return list(self.http.pages(f"/api/v1/records/{quote(record_id, safe='')}/corrections",
                                    headers=self._headers()))

    def dismiss_correction(self, record_id: str, correction_id: str) -> dict[str, Any]:
        """Marks a correction resolved by hand (`reason` `dismissed`); the app sees that."""
        url = f"/api/v1/records/{quote(record_id, safe='')}/corrections/{quote(correction_id, safe='')}/dismiss"
        result: dict[str, Any] = self._call("POST", url)
        return result

    # ---- rotations ----

    def start_rotation(self, kind: str = "rewrap") -> Rotation:
        """`rewrap` (a new vault key) or `reencrypt` (a new key for every item, every blob
        rewritten). Runs on the server's workers; follow it with follow_rotation()."""
        return from_json(Rotation, self._call("POST", "/api/v1/vault/rotations/", json={"kind": kind}))

    def rotations(self) -> list[Rotation]:
        return [from_json(Rotation, job) for job in self._call("GET", "/api/v1/vault/rotations/")]

    def rotation(self, job_id: str) -> Rotation:
        return from_json(Rotation, self._call("GET", f"/api/v1/vault/rotations/{quote(job_id, safe='')}/"))

    def resume_rotation(self, job_id: str) -> Rotation:
        return from_json(Rotation, self._call("POST", f"/api/v1/vault/rotations/{quote(job_id, safe='')}/resume"))

    def follow_rotation(
        self, job_id: str, *, on_progress: Callable[[Rotation], None] | None = None,
        interval: float = 1.0, timeout: float | None = None,
    ) -> Rotation:
        """Polls until the job is `done` or `failed`, calling `on_progress` with each state."""
        return _follow(lambda: self.rotation(job_id), f"rotation {job_id}", on_progress, interval, timeout)

    # ---- exports ----

    def export_passphrase_suggestion(self) -> str:
        """A strong passphrase the server suggests (random words); yours to keep, never stored."""
        return str(self._call("GET", "/api/v1/exports/passphrase-suggestion/")["passphrase"])

    def start_export(self, passphrase: str) -> Export:
        """Starts an encrypted export of the whole vault (needs it unlocked). The server builds
        it in the background; follow it with follow_export(), then download_export()."""
        return from_json(Export, self._call("POST", "/api/v1/exports/", json={"passphrase": passphrase}))

    def exports(self) -> list[Export]:
        return [from_json(Export, job) for job in self._call("GET", "/api/v1/exports/")]

    def export(self, job_id: str) -> Export:
        return from_json(Export, self._call("GET", self._export_url(job_id)))

    def follow_export(
        self, job_id: str, *, on_progress: Callable[[Export], None] | None = None,
        interval: float = 1.0, timeout: float | None = None,
    ) -> Export:
        """Polls until the export is `done`, `failed` or `expired`, calling `on_progress` with each state."""
        return _follow(lambda: self.export(job_id), f"export {job_id}", on_progress, interval, timeout)

    def download_export(
        self, job_id: str, destination: str | Path, *, resume: bool = True, attempts: int = 5,
        progress: Progress | None = None,
    ) -> Path:
        """Writes the finished export (still encrypted: `age -d` opens it) to `destination`,
        through `<destination>.part`, continuing an interrupted download with Range."""
        job = self.export(job_id)
        return download(
            self.http, self._export_url(job_id) + "download", Path(destination), headers=self._headers(),
            size=job.size, resume=resume, attempts=attempts, progress=progress,
        )

    def _export_url(self, job_id: str) -> str:
        return f"/api/v1/exports/{quote(job_id, safe='')}/"

    # ---- sharing with apps ----

    def create_grant(
        self, app_id: str, items: list[dict[str, Any]], *, expires_at: datetime | str,
    ) -> Grant:
        """Shares records with an approved app: `items` are `{"record_id": ..., "fields": [...]}`
        (fields None for every field), with `"share_label": True` to send the record's label too
        (otherwise the app gets ""). Coffer signs them with your key and seals them to the app."""
        when = expires_at if isinstance(expires_at, str) else expires_at.isoformat()
        body = {"app_id": app_id, "items": items, "expires_at": when}
        return from_json(Grant, self._call("POST", "/api/v1/grants/", json=body))

    def grants(self) -> list[Grant]:
        return [from_json(Grant, item) for item in self.http.pages("/api/v1/grants/", headers=self._headers())]

    def revoke_grant(self, grant_id: str) -> None:
        self._call("DELETE", f"/api/v1/grants/{quote(grant_id, safe='')}/")

    def attest(self, purpose: str, payload: Any) -> dict[str, Any]:
        """Has Coffer sign `payload` for `purpose` with your Ed25519 key. The answer is what a
        verifier checks (verify_attestation); Coffer keeps no copy."""
        signed: dict[str, Any] = self._call("POST", "/api/v1/attestations/", json={"purpose": purpose, "payload": payload})
        return signed

    def publish_key_handle(self) -> str:
        """A new handle under which anyone can fetch your public keys; the old one stops working."""
        return str(self._call("POST", "/api/v1/key-handle")["handle"])


Job = TypeVar("Job", Rotation, Export)


def _follow(fetch: Callable[[], Job], what: str, on_progress: Callable[[Job], None] | None,
            interval: float, timeout: float | None) -> Job:
    """Polls a background job until it stops running."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        job = fetch()
        if on_progress:
            on_progress(job)
        if not job.running:
            return job
        if deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"{what} still running after {timeout} s")
        time.sleep(interval)
