"""Recovery codes for the second factor: shown once, downloadable while shown, regenerable.

allauth shows the codes once (MFA_RECOVERY_CODES_SHOW_ONCE) but then offers no download.
Here the one showing also grants one download of the same codes, from the same browser
session, for a few minutes; after that, or once downloaded, only new codes can be had.
"""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

DOWNLOAD_SECONDS = 10 * 60
_SESSION_KEY = "coffer_recovery_codes_download"


def download_allow(*, request, authenticator: Authenticator) -> None:
    """Called when the codes have just been shown to this session."""
    request.session[_SESSION_KEY] = {"authenticator": authenticator.pk, "until": time.time() + DOWNLOAD_SECONDS}


def download_take(*, request) -> list[str] | None:
    """The unused codes, once, if this session was shown them moments ago; else None."""
    grant = request.session.pop(_SESSION_KEY, None)
    if not grant or grant["until"] < time.time():
        return None
    authenticator = Authenticator.objects.filter(
        pk=grant["authenticator"], user=request.user, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    if authenticator is None:  # regenerated or removed since
        return None
    return RecoveryCodes(authenticator).get_unused_codes() or None
