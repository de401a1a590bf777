"""Second factors for test users, made the way allauth makes them (its TOTP activation)."""

from __future__ import annotations

import pyotp
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret


def give_totp(user) -> pyotp.TOTP:
    """Turns on TOTP for `user`; returns a pyotp generator of the codes their app would show."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return pyotp.TOTP(secret)
