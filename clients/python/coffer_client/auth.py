"""Getting an API token: the one place that knows how Coffer signs a person in.

Only `POST /api/v1/accounts/token` is used, with the account's username and password.
An account with a second factor signs in through the server's web pages or its headless
sign-in API instead, and makes a token there; the client then takes that token as is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from .transport import RetryPolicy, Transport

ALL_SCOPES = ("records:read", "records:write", "files:read", "files:write", "vault:manage")
TOKEN_URL = "/api/v1/accounts/token"


def token_create(
    server: str,
    *,
    username: str,
    password: str,
    name: str = "coffer-client",
    scopes: tuple[str, ...] | list[str] = ALL_SCOPES,
    expires_at: datetime | None = None,
    retry: RetryPolicy | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """A new token for these credentials: `{"token": ..., "id": ..., "scopes": [...], ...}`.
    The token is shown once; keep it as you would the password."""
    body: dict[str, Any] = {"username": username, "password": password, "name": name, "scopes": list(scopes)}
    if expires_at is not None:
        body["expires_at"] = expires_at.isoformat()
    http = Transport(server, retry=retry, transport=transport)
    try:
        issued: dict[str, Any] = http.json("POST", TOKEN_URL, json=body)
    finally:
        http.close()
    return issued
