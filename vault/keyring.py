"""The server keyring behind a KeyProvider interface, so a KMS or HSM can hold it later.

The keyring comes from COFFER_SERVER_KEYS ("2:base64key,1:base64key") or a file
with the same content, never from the database. The highest version wraps new
data; older versions only unwrap, like SECRET_KEY_FALLBACKS.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import stat
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from nacl.signing import SigningKey

from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.hkdf import hkdf_sha256
from vault.crypto.keys import new_key

logger = logging.getLogger(__name__)

SERVER_WRAP_PURPOSE = "server-wrap"
SERVER_SIGN_PURPOSE = "server-sign"


class KeyProvider(ABC):
    """Wraps and unwraps small secrets under a versioned server key it never hands out."""

    @property
    @abstractmethod
    def current_version(self) -> int: ...

    @property
    @abstractmethod
    def versions(self) -> list[int]: ...

    @abstractmethod
    def wrap(self, secret: bytes, *, purpose: str, subject: str) -> tuple[int, bytes]: ...

    @abstractmethod
    def unwrap(self, version: int, wrapped: bytes, *, purpose: str, subject: str) -> bytes: ...

    @abstractmethod
    def sign(self, message: bytes, *, purpose: str) -> tuple[int, bytes]:
        """An Ed25519 signature under the current version's signing key for `purpose`."""

    @abstractmethod
    def verify_key(self, version: int, *, purpose: str) -> bytes:
        """The 32-byte Ed25519 public key of `version` for `purpose`; KeyError if retired."""


class LocalKeyProvider(KeyProvider):
    def __init__(self, keys: dict[int, bytes]):
        if not keys:
            raise ImproperlyConfigured("The server keyring is empty.")
        self._keys = dict(keys)

    def __repr__(self) -> str:
        return f"LocalKeyProvider(versions={self.versions})"

    @property
    def current_version(self) -> int:
        return max(self._keys)

    @property
    def versions(self) -> list[int]:
        return sorted(self._keys)

    def _context(self, version: int, purpose: str, subject: str) -> Context:
        return Context(SERVER_WRAP_PURPOSE, subject, purpose, version)

    def wrap(self, secret: bytes, *, purpose: str, subject: str) -> tuple[int, bytes]:
        version = self.current_version
        return version, aead.seal(self._keys[version], secret, self._context(version, purpose, subject))

    def unwrap(self, version: int, wrapped: bytes, *, purpose: str, subject: str) -> bytes:
        key = self._keys.get(version)
        if key is None:
            raise IntegrityError()
        return aead.open_(key, wrapped, self._context(version, purpose, subject))

    def _signing_key(self, version: int, purpose: str) -> SigningKey:
        # A seed per version and purpose, so a signing key is never the wrapping key itself.
        info = Context(SERVER_SIGN_PURPOSE, "", purpose, version).encode()
        return SigningKey(hkdf_sha256(self._keys[version], info=info))

    def sign(self, message: bytes, *, purpose: str) -> tuple[int, bytes]:
        version = self.current_version
        return version, self._signing_key(version, purpose).sign(message).signature

    def verify_key(self, version: int, *, purpose: str) -> bytes:
        if version not in self._keys:
            raise KeyError(version)
        return bytes(self._signing_key(version, purpose).verify_key)


def parse_keyring(text: str) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for entry in filter(None, (part.strip() for part in text.replace("\n", ",").split(","))):
        version_text, sep, encoded = entry.partition(":")
        try:
            version = int(version_text)
            key = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error):
            raise ImproperlyConfigured("COFFER_SERVER_KEYS entries must be 'version:base64key'.") from None
        if not sep or version < 1 or len(key) != 32 or version in keys:
            raise ImproperlyConfigured(
                "COFFER_SERVER_KEYS entries need a unique positive version and a 32-byte key."
            )
        keys[version] = key
    return keys


def format_keyring(keys: dict[int, bytes]) -> str:
    return ",".join(f"{v}:{base64.b64encode(k).decode()}" for v, k in sorted(keys.items(), reverse=True))


def _dev_keyring_text(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w") as handle:
            handle.write(format_keyring({1: new_key()}) + "\n")
        logger.warning(
            "!!! Generated a DEVELOPMENT server keyring at %s. Losing it loses every vault. "
            "Set COFFER_SERVER_KEYS in production. !!!",
            path,
        )
    return path.read_text()


@lru_cache(maxsize=8)
def _provider_for(text: str) -> KeyProvider:
    return LocalKeyProvider(parse_keyring(text))


def get_key_provider() -> KeyProvider:
    text = settings.COFFER_SERVER_KEYS
    if not text and settings.COFFER_SERVER_KEYS_FILE:
        text = Path(settings.COFFER_SERVER_KEYS_FILE).read_text()
    if not text:
        dev_file = getattr(settings, "COFFER_DEV_KEYRING_FILE", None)
        if dev_file is None:
            raise ImproperlyConfigured("COFFER_SERVER_KEYS is not set.")
        text = _dev_keyring_text(Path(dev_file))
    return _provider_for(text.strip())
