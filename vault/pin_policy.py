"""What makes an acceptable PIN: 6+ digits that are not obvious, or a passphrase."""

from __future__ import annotations

import unicodedata

MIN_DIGITS = 6
MIN_PASSPHRASE = 10
MAX_LENGTH = 256

# The most guessed PINs of 6+ digits, from published PIN-frequency studies.
DENYLIST = frozenset(
    {
        "123456", "654321", "123123", "121212", "112233", "123321", "696969", "159753",
        "147258", "258369", "123654", "789456", "102030", "111222", "520520", "131313",
        "666666", "101010", "202020", "007007", "000007", "1234567", "12345678",
        "123456789", "1234567890", "0123456789", "987654321", "11223344", "12341234",
        "password", "passphrase", "qwertyuiop", "letmeinnow", "iloveyou12",
    }
)


class WeakPin(ValueError):
    pass


def _is_run(digits: str) -> bool:
    steps = {int(b) - int(a) for a, b in zip(digits, digits[1:], strict=False)}
    return steps in ({1}, {-1})


def validate_pin(pin: str) -> None:
    """Raises WeakPin with a message a person can act on."""
    text = unicodedata.normalize("NFKC", pin)
    if len(text) > MAX_LENGTH:
        raise WeakPin(f"A PIN or passphrase can have at most {MAX_LENGTH} characters.")
    if text.isascii() and text.isdigit():
        if len(text) < MIN_DIGITS:
            raise WeakPin(f"A PIN needs at least {MIN_DIGITS} digits.")
        if len(set(text)) == 1 or _is_run(text) or text in DENYLIST:
            raise WeakPin("That PIN is too easy to guess. Avoid repeated or sequential digits.")
        if len(text) % 2 == 0 and text[: len(text) // 2] == text[len(text) // 2 :]:
            raise WeakPin("That PIN is too easy to guess. Avoid repeated patterns.")
        return
    if len(text.strip()) < MIN_PASSPHRASE:
        raise WeakPin(
            f"Use at least {MIN_DIGITS} digits, or a passphrase of at least {MIN_PASSPHRASE} characters."
        )
    if text.lower() in DENYLIST or len(set(text.lower())) < 4:
        raise WeakPin("That passphrase is too easy to guess.")
