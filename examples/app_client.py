#!/usr/bin/env python3
"""An example Coffer app, written only against docs/sharing.md and docs/attestations.md.

It needs PyNaCl and requests, and nothing of Coffer's own code:

    python examples/app_client.py register --server URL --state app.json \\
        --name "Demo app" --callback https://demo.example/callback
    python examples/app_client.py status --server URL --state app.json
    python examples/app_client.py grants --server URL --state app.json
    python examples/app_client.py verify-attestation --server URL --key-handle HANDLE attestation.json
    python examples/app_client.py verify-attestation --public-key BASE64 attestation.json   (offline)

`grants` prints, as JSON, exactly the fields each live grant shares, after unsealing it
with the app's X25519 key and checking the user's Ed25519 signature against the key
Coffer gives an app holding a grant (/api/v1/apps/me/users/{id}/keys). `verify-attestation`
checks a signed attestation (the JSON body POST /api/v1/attestations/ returned) against
the keys the user publishes under the key handle they gave you (/api/v1/keys/{handle}).

Exit status: 0 when everything verified, 1 when anything failed verification (nothing
unverified is printed), 2 for usage or HTTP errors.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import secrets
import sys
import time
from typing import Any

import requests
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import PrivateKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

REQUEST_DOMAIN = "coffer-app-request-v1"
GRANT_DOMAIN = b"coffer-grant-v1\n"
ATTESTATION_DOMAIN = b"coffer-attestation-v1\n"
GRANT_KEYS = {"version", "grant_id", "app_id", "user_id", "issued_at", "expires_at", "records"}
GRANT_RECORD_KEYS = {"id", "kind", "schema_version", "label", "fields"}
ATTESTATION_KEYS = {"version", "user_id", "purpose", "issued_at", "payload"}
MAX_SAFE_INTEGER = 2**53 - 1
CLOCK_SKEW_SECONDS = 300
TIMEOUT_SECONDS = 30


class VerificationError(Exception):
    """Something did not verify. Its data must not be used."""


class HttpError(Exception):
    pass


# ---- canonical JSON (docs/attestations.md §2) ----


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) restricted to integers: sorted keys by UTF-16 code units, no whitespace."""

    def encode(item: Any) -> str:
        if item is None:
            return "null"
        if item is True:
            return "true"
        if item is False:
            return "false"
        if isinstance(item, int):
            if abs(item) > MAX_SAFE_INTEGER:
                raise VerificationError("integer out of range")
            return str(item)
        if isinstance(item, str):
            item.encode("utf-8")  # raises on lone surrogates
            return json.dumps(item, ensure_ascii=False)
        if isinstance(item, list):
            return "[" + ",".join(encode(x) for x in item) + "]"
        if isinstance(item, dict):
            keys = sorted(item, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
            return "{" + ",".join(encode(key) + ":" + encode(item[key]) for key in keys) + "}"
        raise VerificationError(f"{type(item).__name__} is not allowed in canonical JSON")

    try:
        return encode(value).encode("utf-8")
    except UnicodeEncodeError:
        raise VerificationError("malformed string") from None


def parse_canonical(raw: bytes) -> Any:
    """Parses bytes that must already be canonical; anything else fails."""

    def no_duplicates(pairs):
        if len({key for key, _ in pairs}) != len(pairs):
            raise VerificationError("duplicate key")
        return dict(pairs)

    def no_floats(text):
        raise VerificationError("non-integer number")

    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates,
                           parse_float=no_floats, parse_constant=no_floats)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise VerificationError("not JSON") from None
    if canonical_json(value) != raw:
        raise VerificationError("not in canonical form")
    return value


def b64decode(text: Any, size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise VerificationError("expected base64 text")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise VerificationError("bad base64") from None
    if size is not None and len(raw) != size:
        raise VerificationError("wrong length")
    return raw


def b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---- HTTP, with signed requests (docs/sharing.md §4) ----


class Coffer:
    def __init__(self, server: str):
        self.server = server.rstrip("/")
        self.http = requests.Session()
        self._user_keys: dict[int, bytes] = {}

    def _send(self, method: str, url: str, *, sign_key: SigningKey | None = None, app_id: str = "",
              body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        prepared = self.http.prepare_request(requests.Request(method, url, data=data, headers=headers))
        if sign_key is not None:
            timestamp = str(int(time.time()))
            nonce = secrets.token_urlsafe(24)
            message = "\n".join([
                REQUEST_DOMAIN, app_id, method.upper(), prepared.path_url, timestamp, nonce,
                hashlib.sha256(prepared.body or b"").hexdigest(),
            ]).encode("utf-8")
            if app_id:
                prepared.headers["X-App-Id"] = app_id
            prepared.headers["X-App-Timestamp"] = timestamp
            prepared.headers["X-App-Nonce"] = nonce
            prepared.headers["X-App-Signature"] = b64encode(sign_key.sign(message).signature)
        response = self.http.send(prepared, timeout=TIMEOUT_SECONDS)
        if response.status_code >= 400:
            raise HttpError(f"{method} {prepared.path_url}: HTTP {response.status_code} {response.text}")
        return response.json()

    def register(self, *, name: str, callback: str, box_key: PrivateKey, sign_key: SigningKey) -> dict:
        body = {
            "name": name,
            "callback_url": callback,
            "box_public_key": b64encode(bytes(box_key.public_key)),
            "sign_public_key": b64encode(bytes(sign_key.verify_key)),
        }
        # Signed with an empty app id by the key being registered: proof we hold it.
        return self._send("POST", f"{self.server}/api/v1/apps/", sign_key=sign_key, body=body)

    def me(self, *, app_id: str, sign_key: SigningKey) -> dict:
        return self._send("GET", f"{self.server}/api/v1/apps/me/", sign_key=sign_key, app_id=app_id)

    def grants(self, *, app_id: str, sign_key: SigningKey) -> list[dict]:
        url, found = f"{self.server}/api/v1/apps/me/grants/", []
        while url:
            page = self._send("GET", url, sign_key=sign_key, app_id=app_id)
            found.extend(page["results"])
            url = page.get("next")
        return found

    def granting_user_sign_key(self, *, app_id: str, sign_key: SigningKey):
        """`user_sign_key(user_id)` for grants: Coffer gives an app the keys of users who granted it.
        A real app pins each user's key the first time it sees them."""

        def user_sign_key(user_id: int) -> bytes:
            if user_id not in self._user_keys:
                keys = self._send("GET", f"{self.server}/api/v1/apps/me/users/{user_id}/keys",
                                  sign_key=sign_key, app_id=app_id)
                if keys.get("user_id") != user_id:
                    raise VerificationError("keys for another user")
                self._user_keys[user_id] = b64decode(keys["sign_public_key"], 32)
            return self._user_keys[user_id]

        return user_sign_key

    def handle_sign_key(self, handle: str):
        """`sign_key_for(user_id)` from the keys a user publishes under the handle they gave us."""
        keys = self._send("GET", f"{self.server}/api/v1/keys/{handle}")

        def sign_key_for(user_id: int) -> bytes:
            if keys.get("user_id") != user_id:
                raise VerificationError("the key handle is another user's")
            return b64decode(keys["sign_public_key"], 32)

        return sign_key_for


# ---- grants (docs/sharing.md §3) ----


def open_grant(served: dict, *, app_id: str, box_key: PrivateKey, user_sign_key, now: float | None = None) -> dict:
    """Unseals one served grant, checks the user's signature and every binding, and
    returns the verified document."""
    now = time.time() if now is None else now
    try:
        plaintext = SealedBox(box_key).decrypt(b64decode(served["sealed_grant"]))
    except CryptoError:
        raise VerificationError("the grant does not unseal with this app's key") from None
    if len(plaintext) < 67 or plaintext[0] != 0x01:
        raise VerificationError("unknown grant envelope")
    signature, document_bytes = plaintext[1:65], plaintext[65:]
    document = parse_canonical(document_bytes)
    if not isinstance(document, dict) or set(document) != GRANT_KEYS or document["version"] != 1:
        raise VerificationError("not a version 1 grant")
    if not is_int(document["user_id"]) or document["user_id"] != served["user_id"]:
        raise VerificationError("the grant names another user")
    try:
        VerifyKey(user_sign_key(document["user_id"])).verify(GRANT_DOMAIN + document_bytes, signature)
    except BadSignatureError:
        raise VerificationError("the user's signature does not verify") from None
    # Signed, so the bindings below are the user's own statement.
    if document["app_id"] != app_id:
        raise VerificationError("the grant was made for another app")
    if document["grant_id"] != served["id"]:
        raise VerificationError("the grant id does not match")
    if not is_int(document["expires_at"]) or document["expires_at"] <= now:
        raise VerificationError("the grant has expired")
    if not is_int(document["issued_at"]) or document["issued_at"] > now + CLOCK_SKEW_SECONDS:
        raise VerificationError("the grant is issued in the future")
    records = document["records"]
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and set(r) == GRANT_RECORD_KEYS and isinstance(r["fields"], dict) for r in records
    ):
        raise VerificationError("malformed records")
    return document


# ---- attestations (docs/attestations.md §4) ----


def verify_attestation(signed: dict, *, sign_key_for) -> dict:
    """Checks a signed attestation; returns its document. `sign_key_for(user_id)` gives
    the user's Ed25519 public key from a source the verifier trusts."""
    message = b64decode(signed.get("canonical"))
    if not message.startswith(ATTESTATION_DOMAIN):
        raise VerificationError("not an attestation")
    document = parse_canonical(message[len(ATTESTATION_DOMAIN):])
    if not isinstance(document, dict) or set(document) != ATTESTATION_KEYS or document["version"] != 1:
        raise VerificationError("not a version 1 attestation")
    if not is_int(document["user_id"]) or not is_int(document["issued_at"]) or not isinstance(document["purpose"], str):
        raise VerificationError("malformed attestation")
    if "attestation" in signed and canonical_json(signed["attestation"]) != message[len(ATTESTATION_DOMAIN):]:
        raise VerificationError("the attestation shown is not the one signed")
    public_key = sign_key_for(document["user_id"])
    if "public_key" in signed and b64decode(signed["public_key"], 32) != public_key:
        raise VerificationError("signed by a key that is not the user's published key")
    try:
        VerifyKey(public_key).verify(message, b64decode(signed.get("signature"), 64))
    except BadSignatureError:
        raise VerificationError("the signature does not verify") from None
    return document


# ---- the app's keys, kept in a state file ----


def load_state(path: str) -> dict:
    with open(path, encoding="utf-8") as file:
        state = json.load(file)
    state["box_key"] = PrivateKey(b64decode(state["box_private_key"], 32))
    state["sign_key"] = SigningKey(b64decode(state["sign_private_key"], 32))
    return state


def save_state(path: str, *, app_id: str, box_key: PrivateKey, sign_key: SigningKey) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump({
            "app_id": app_id,
            "box_private_key": b64encode(bytes(box_key)),
            "sign_private_key": b64encode(bytes(sign_key)),
        }, file)


# ---- commands ----


def command_register(args) -> dict:
    box_key, sign_key = PrivateKey.generate(), SigningKey.generate()
    app = Coffer(args.server).register(name=args.name, callback=args.callback, box_key=box_key, sign_key=sign_key)
    save_state(args.state, app_id=app["id"], box_key=box_key, sign_key=sign_key)
    return {"app_id": app["id"], "state": app["state"]}


def command_status(args) -> dict:
    state = load_state(args.state)
    return Coffer(args.server).me(app_id=state["app_id"], sign_key=state["sign_key"])


def command_grants(args) -> dict:
    state = load_state(args.state)
    coffer = Coffer(args.server)
    user_sign_key = coffer.granting_user_sign_key(app_id=state["app_id"], sign_key=state["sign_key"])
    verified = []
    for served in coffer.grants(app_id=state["app_id"], sign_key=state["sign_key"]):
        document = open_grant(served, app_id=state["app_id"], box_key=state["box_key"],
                              user_sign_key=user_sign_key)
        verified.append({
            "grant_id": document["grant_id"],
            "user_id": document["user_id"],
            "expires_at": document["expires_at"],
            "records": document["records"],
        })
    return {"grants": verified}


def command_verify_attestation(args) -> dict:
    with open(args.attestation, encoding="utf-8") if args.attestation != "-" else sys.stdin as file:
        signed = json.load(file)
    if args.public_key:
        pinned = b64decode(args.public_key, 32)
        sign_key_for = lambda user_id: pinned  # noqa: E731 - offline: the verifier's own copy
    else:
        sign_key_for = Coffer(args.server).handle_sign_key(args.key_handle)
    return {"verified": True, "attestation": verify_attestation(signed, sign_key_for=sign_key_for)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("register", help="generate keys and register the app")
    register.add_argument("--name", required=True)
    register.add_argument("--callback", required=True)
    status = commands.add_parser("status", help="show the app's registration and approval state")
    grants = commands.add_parser("grants", help="fetch, unseal and verify the app's live grants")
    for command in (register, status, grants):
        command.add_argument("--server", required=True)
        command.add_argument("--state", required=True, help="JSON file holding the app's id and private keys")
    verify = commands.add_parser("verify-attestation")
    verify.add_argument("attestation", help="file with the JSON that POST /api/v1/attestations/ returned, or -")
    verify.add_argument("--server")
    verify.add_argument("--key-handle", help="the key handle the user gave you, with --server")
    verify.add_argument("--public-key", help="the user's Ed25519 key (base64), to verify offline")
    args = parser.parse_args(argv)
    if args.command == "verify-attestation" and not ((args.server and args.key_handle) or args.public_key):
        parser.error("verify-attestation needs --server with --key-handle, or --public-key")
    handlers = {
        "register": command_register,
        "status": command_status,
        "grants": command_grants,
        "verify-attestation": command_verify_attestation,
    }
    try:
        result = handlers[args.command](args)
    except VerificationError as exc:
        print(f"verification failed: {exc}", file=sys.stderr)
        return 1
    except (HttpError, requests.RequestException) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
