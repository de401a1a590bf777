"""Token strings: `cof_` + 43 url-safe characters (256 random bits). Stored as SHA-256 only."""

import hashlib
import secrets

TOKEN_PREFIX = "cof_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def display_prefix(token: str) -> str:
    return token[: len(TOKEN_PREFIX) + 6]
