"""The app face: an app's keys, signed requests (docs/sharing.md §4), registration,
grants and the users' published keys."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from .canonical import b64decode, b64encode
from .errors import VerificationError
from .models import Progress
from .stream import StreamDecryptor, ciphertext_size
from .transfers import PIECE_SIZE, download
from .transport import RetryPolicy, Transport
from .verify import OpenedGrant, SharedScan, VerifiedAttestation, open_grant, scan_context, verify_attestation

REQUEST_DOMAIN = "coffer-app-request-v1"


def request_message(*, app_id: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The seven lines an app signs for a request (docs/sharing.md §4)."""
    lines = [REQUEST_DOMAIN, app_id, method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()]
    return "\n".join(lines).encode("utf-8")


class AppSignature(httpx.Auth):
    """Signs each request as it is sent, so a retried request gets a fresh nonce and time.
    `app_id` is the empty string when registering."""

    requires_request_body = True

    def __init__(self, sign_key: SigningKey, app_id: str) -> None:
        self.sign_key = sign_key
        self.app_id = app_id

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(int(time.time()))
        nonce = secrets.token_urlsafe(24)
        message = request_message(
            app_id=self.app_id, method=request.method, path=request.url.raw_path.decode("ascii"),
            timestamp=timestamp, nonce=nonce, body=request.content,
        )
        if self.app_id:
            request.headers["X-App-Id"] = self.app_id
        request.headers["X-App-Timestamp"] = timestamp
        request.headers["X-App-Nonce"] = nonce
        request.headers["X-App-Signature"] = b64encode(self.sign_key.sign(message).signature)
        yield request


@dataclass
class AppKeys:
    """An app's X25519 key (grants are sealed to it) and Ed25519 key (it signs requests),
    and its id once registered."""

    box_key: PrivateKey
    sign_key: SigningKey
    app_id: str = ""

    @classmethod
    def generate(cls) -> AppKeys:
        return cls(box_key=PrivateKey.generate(), sign_key=SigningKey.generate())

    @property
    def box_public_key(self) -> str:
        return b64encode(bytes(self.box_key.public_key))

    @property
    def sign_public_key(self) -> str:
        return b64encode(bytes(self.sign_key.verify_key))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the private keys to a file only its owner can read (mode 0600)."""
        state = {
            "app_id": self.app_id,
            "box_private_key": b64encode(bytes(self.box_key)),
            "sign_private_key": b64encode(bytes(self.sign_key)),
        }
        temporary = Path(f"{os.fspath(path)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(state, file)
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AppKeys:
        with open(path, encoding="utf-8") as file:
            state = json.load(file)
        return cls(
            box_key=PrivateKey(b64decode(state["box_private_key"], 32)),
            sign_key=SigningKey(b64decode(state["sign_private_key"], 32)),
            app_id=str(state.get("app_id") or ""),
        )


class AppClient:
    """Coffer as an app sees it. Every request is signed with the app's Ed25519 key."""

    def __init__(
        self, server: str, keys: AppKeys, *, retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.keys = keys
        self.http = Transport(server, retry=retry, transport=transport)
        self._pinned_user_keys: dict[int, bytes] = {}

    def __enter__(self) -> AppClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _auth(self) -> AppSignature:
        if not self.keys.app_id:
            raise ValueError("register the app first: its keys have no app id")
        return AppSignature(self.keys.sign_key, self.keys.app_id)

    def register(self, *, name: str, callback_url: str) -> dict[str, Any]:
        """Registers the app's two public keys; the request is signed by the key it registers.
        Sets `keys.app_id`. The app is `pending` until an admin approves it."""
        body = {
            "name": name, "callback_url": callback_url,
            "box_public_key": self.keys.box_public_key, "sign_public_key": self.keys.sign_public_key,
        }
        app: dict[str, Any] = self.http.json("POST", "/api/v1/apps/", json=body, auth=AppSignature(self.keys.sign_key, ""))
        self.keys.app_id = app["id"]
        return app

    def me(self) -> dict[str, Any]:
        """The app's own registration: `state` is `pending`, `approved` or `revoked`."""
        result: dict[str, Any] = self.http.json("GET", "/api/v1/apps/me/", auth=self._auth())
        return result

    def served_grants(self) -> Iterator[dict[str, Any]]:
        """The live grants as served, still sealed."""
        return self.http.pages("/api/v1/apps/me/grants/", auth=self._auth())

    def user_sign_key(self, user_id: int) -> bytes:
        """The Ed25519 key of a user who granted this app something, pinned on first sight."""
        if user_id not in self._pinned_user_keys:
            keys = self.http.json("GET", f"/api/v1/apps/me/users/{int(user_id)}/keys", auth=self._auth())
            if keys.get("user_id") != user_id:
                raise VerificationError("the server answered another user's keys")
            self._pinned_user_keys[user_id] = b64decode(keys["sign_public_key"], 32)
        return self._pinned_user_keys[user_id]

    def open(self, served: dict[str, Any]) -> OpenedGrant:
        return open_grant(served, app_id=self.keys.app_id, box_key=self.keys.box_key, user_sign_key=self.user_sign_key)

    def grants(self) -> list[OpenedGrant]:
        """Every live grant, unsealed and verified. Raises VerificationError at the first that
        fails; use served_grants() and open() to skip bad ones instead."""
        return [self.open(served) for served in self.served_grants()]

    def download_scan(
        self, grant: OpenedGrant, scan: SharedScan, destination: str | os.PathLike[str], *,
        resume: bool = True, attempts: int = 5, progress: Progress | None = None,
    ) -> Path:
        """Downloads a scan shared in `grant`, decrypts it with the key the grant holds and checks
        its size and SHA-256 against what the user signed; only then is `destination` written.
        The ciphertext arrives in `<destination>.sealed` (resumed with Range if cut off), the
        plaintext in `<destination>.part`, which is deleted if any check fails."""
        target = Path(destination)
        sealed = target.with_name(target.name + ".sealed")
        url = f"/api/v1/apps/me/grants/{quote(grant.grant_id, safe='')}/scans/{quote(scan.id, safe='')}"
        download(self.http, url, sealed, headers={}, size=ciphertext_size(scan.size), resume=resume,
                 attempts=attempts, progress=progress, auth=self._auth())
        partial = target.with_name(target.name + ".part")
        try:
            _open_scan(sealed, partial, grant=grant, scan=scan)
        except BaseException:
            partial.unlink(missing_ok=True)
            sealed.unlink(missing_ok=True)
            raise
        os.replace(partial, target)
        sealed.unlink()
        return target

    def report_correction(
        self, grant_id: str, record_id: str, *, message: str, field: str | None = None,
        scan_role: str | None = None,
    ) -> dict[str, Any]:
        """Tells the user what to fix in a record the grant shares: one of its shared `field`s,
        one of its shared scans by `scan_role`, or (neither) the whole record. The message (1 to
        300 characters) is sealed to the user; the answer is its id and `state` (docs/sharing.md §8)."""
        body: dict[str, Any] = {"record_id": record_id, "message": message}
        if field is not None:
            body["field"] = field
        if scan_role is not None:
            body["scan_role"] = scan_role
        result: dict[str, Any] = self.http.json("POST", self._corrections_url(grant_id), json=body, auth=self._auth())
        return result

    def corrections(self, grant_id: str) -> list[dict[str, Any]]:
        """This app's corrections on a grant, each `open` or `resolved` (with its `reason`):
        how the app learns the user changed what it asked about."""
        return list(self.http.pages(self._corrections_url(grant_id), auth=self._auth()))

    def _corrections_url(self, grant_id: str) -> str:
        return f"/api/v1/apps/me/grants/{quote(grant_id, safe='')}/corrections"

    def keys_by_handle(self, handle: str) -> dict[str, Any]:
        """The keys a user publishes under the handle they gave you (no signature needed)."""
        return _published_keys(self.http, handle)

    def verify_attestation(self, signed: dict[str, Any], *, handle: str) -> VerifiedAttestation:
        """Verifies against the key published under `handle`, which must be the signer's."""
        return _verify_with_published(signed, self.keys_by_handle(handle))


def _open_scan(sealed: Path, out_path: Path, *, grant: OpenedGrant, scan: SharedScan) -> None:
    decryptor = StreamDecryptor(scan.key, scan_context(grant_id=grant.grant_id, scan_id=scan.id))
    digest = hashlib.sha256()
    with sealed.open("rb") as source, out_path.open("wb") as out:
        while piece := source.read(PIECE_SIZE):
            for plaintext in decryptor.chunks(piece):
                digest.update(plaintext)
                out.write(plaintext)
        last = decryptor.finalize()
        digest.update(last)
        out.write(last)
    if decryptor.plaintext_size != scan.size or digest.hexdigest() != scan.sha256:
        raise VerificationError("the scan is not the one the user signed for")


def _published_keys(http: Transport, handle: str) -> dict[str, Any]:
    keys: dict[str, Any] = http.json("GET", f"/api/v1/keys/{quote(handle, safe='')}")
    return keys


def _verify_with_published(signed: dict[str, Any], published: dict[str, Any]) -> VerifiedAttestation:
    def key_for(user_id: int) -> bytes:
        if published.get("user_id") != user_id:
            raise VerificationError("the key handle is another user's")
        return b64decode(published["sign_public_key"], 32)

    return verify_attestation(signed, user_sign_key=key_for)


def verify_attestation_by_handle(
    server: str, signed: dict[str, Any], *, handle: str, retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> VerifiedAttestation:
    """Verifies against the keys `server` publishes under the handle the user gave you;
    no app registration needed."""
    http = Transport(server, retry=retry, transport=transport)
    try:
        return _verify_with_published(signed, _published_keys(http, handle))
    finally:
        http.close()


def verify_attestation_offline(signed: dict[str, Any], *, public_key: str | bytes) -> VerifiedAttestation:
    """Verifies against a public key the verifier already holds (base64 text or 32 bytes)."""
    pinned = b64decode(public_key, 32) if isinstance(public_key, str) else public_key
    return verify_attestation(signed, user_sign_key=lambda user_id: pinned)
