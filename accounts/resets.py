"""A password reset by email opens the account, never the vault (docs/security.md §3.6).

The vault key comes from the PIN (or the recovery code) and the server share; the
account password takes no part in it. So a reset changes nothing that decrypts:
it ends every web session and every unlock session, and the Devices and access page
asks the owner to review their API tokens.
"""

from __future__ import annotations

from allauth.usersessions.models import UserSession

from audit.services import audit_record
from vault.services import vault_lock_all


def password_reset_done(*, user, request=None) -> int:
    """Ends every web and unlock session of `user`; returns how many web sessions ended."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    vault_lock_all(user=user, request=request)
    audit_record(action="account.password_reset", actor=user, request=request, target_kind="user",
                 target_id=user.pk, details={"sessions_ended": len(sessions)})
    return len(sessions)
