"""Export passphrases: the strength rule and a suggestion.

An export can be attacked offline, without the server's share that protects a PIN,
so on top of the PIN policy (vault/pin_policy.py) an export passphrase is never
digits only and has at least MIN_LENGTH characters. The suggestion is 6 groups of
5 characters from an alphabet of 31 (no 0/O, 1/l/I): about 148 bits.
"""

from __future__ import annotations

import secrets
import unicodedata

from vault.pin_policy import MAX_LENGTH, WeakPin, validate_pin

MIN_LENGTH = 12
_ALPHABET = "abcdefghijkmnpqrstuvwxyz2345679"
_GROUPS, _GROUP_SIZE = 6, 5


class WeakPassphrase(ValueError):
    pass


def passphrase_suggest() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_SIZE)) for _ in range(_GROUPS))


def passphrase_check(passphrase: str) -> None:
    """Raises WeakPassphrase with a message a person can act on."""
    text = unicodedata.normalize("NFKC", passphrase or "")
    if len(text) > MAX_LENGTH:
        raise WeakPassphrase(f"An export passphrase can have at most {MAX_LENGTH} characters.")
    if len(text.strip()) < MIN_LENGTH or (text.isascii() and text.isdigit()):
        raise WeakPassphrase(
            f"Use a passphrase of at least {MIN_LENGTH} characters, not only digits: anyone who gets the "
            "export file can try passphrases against it without Coffer."
        )
    try:
        validate_pin(text)
    except WeakPin as weak:
        raise WeakPassphrase(str(weak)) from None
