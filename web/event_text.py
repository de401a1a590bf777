"""Audit events in words a person reads at a glance. Events hold no values, and nor does this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .presenting import KIND_INFO

ACTIONS: dict[str, str] = {
    "account.register": "Account created",
    "audit.export": "Activity downloaded",
    "audit.verify": "Audit log checked from its start",
    "export.start": "Export of the vault started",
    "export.finish": "Export of the vault finished",
    "export.download": "Export downloaded",
    "export.expire": "Export deleted after its time ran out",
    "import.upload": "Import file uploaded for a preview",
    "import.start": "Import started",
    "import.finish": "Import finished",
    "import.cancel": "Import cancelled",
    "account.login": "Logged in",
    "account.logout": "Logged out",
    "account.password_change": "Password changed",
    "account.password_reset": "Password reset by email: every session ended",
    "account.email_change": "Email address changed",
    "mfa.add": "Two-factor sign-in method added",
    "mfa.remove": "Two-factor sign-in method removed",
    "mfa.reset": "New two-factor recovery codes made",
    "mfa.authenticate": "Two-factor code refused",
    "token.login": "Token issued by logging in through the API",
    "token.create": "API token created",
    "token.revoke": "API token revoked",
    "token.scope_denied": "API token refused: missing permission",
    "vault.setup": "PIN set",
    "vault.unlock": "Vault unlocked",
    "vault.lock": "Vault locked",
    "vault.lock_all": "Every unlocked session locked",
    "vault.lockout": "Vault locked out after too many wrong PINs",
    "vault.reauthorize": "Password re-entered after a lock-out",
    "vault.clear_lockout": "Lock-out cleared by an administrator",
    "vault.pin_change": "PIN changed",
    "vault.recover": "PIN reset with the recovery code",
    "vault.recovery_code_new": "New recovery code made with the PIN: the old one stopped working",
    "vault.kdf_upgrade": "PIN protection strengthened",
    "rotation.start": "Key rotation started",
    "rotation.finish": "Key rotation finished",
    "record.create": "Record added",
    "record.update": "Record changed",
    "record.delete": "Record deleted",
    "record.reveal": "Secret field revealed",
    "record.integrity_failure": "Record failed its integrity check",
    "file.upload": "Document uploaded",
    "file.create": "Document uploaded",
    "file.download": "Document opened",
    "file.read": "Document opened",
    "file.update": "Document changed",
    "file.attach": "Document attached to a record",
    "file.detach": "Document detached from its record",
    "file.delete": "Document deleted",
    "file.integrity_failure": "Document failed its integrity check",
    "admin.view": "An administrator viewed your account's metadata",
    "admin.remove_second_factors": "An administrator removed your second factors",
    "admin.force_lock": "An administrator locked your vault",
    "admin.clear_lockout": "An administrator cleared your vault's lock-out",
    "admin.resume_rotation": "An administrator resumed your key rotation",
    "admin.revoke_token": "An administrator revoked an API token",
    "grant.create": "Records shared with an app",
    "grant.fetch": "An app fetched what you shared",
    "grant.scan_fetch": "An app downloaded a scan you shared",
    "grant.revoke": "Sharing with an app stopped",
    "correction.report": "An app asked you to check a record",
    "correction.resolve": "A problem an app reported was resolved by your change",
    "correction.dismiss": "A problem an app reported was dismissed",
    "attestation.sign": "A statement signed for an app",
    "sharing.key_handle.rotate": "An app's key handle renewed",
    "sharing.key_handle.delete": "An app's key handle deleted",
    "access.unlock_session_end": "An unlocked session ended from Devices and access",
    "access.web_session_end": "A sign-in ended from Devices and access",
    "access.tokens_reviewed": "API tokens reviewed",
    "account.delete": "Account deleted",
    "account.delete_reauth": "Password checked to delete the account",
    "rotation.resume": "Key rotation resumed",
    "token.authenticate": "API token used",
}

# Refused before anything was tried (a backoff, a lock-out, a missing permission): what was tried.
ATTEMPTS: dict[str, str] = {
    "vault.unlock": "Unlock attempt",
    "vault.pin_change": "PIN change attempt",
    "vault.recover": "Recovery attempt",
}

# A failed event often reads better in words of its own than as "Failed" + its
# success wording ("Failed · Vault unlocked" read as if the vault had been unlocked).
REFUSED: dict[str, str] = {
    "vault.unlock": "Unlock refused: wrong PIN",
    "vault.pin_change": "PIN change refused: the current PIN was wrong",
    "vault.recover": "Recovery refused: wrong recovery code",
    "vault.reauthorize": "Password refused while lifting a lock-out",
    "account.login": "Sign-in refused: wrong username or password",
    "account.delete": "Account deletion refused",
    "account.delete_reauth": "Password refused while deleting the account",
    "token.login": "API sign-in refused: wrong username or password",
    "token.authenticate": "An invalid, expired or revoked API token was refused",
    "token.scope_denied": "API token refused: missing permission",
    "mfa.authenticate": "Two-factor code refused",
    "grant.fetch": "An app was refused what you had shared",
    "record.integrity_failure": "A record failed its integrity check",
    "file.integrity_failure": "A document failed its integrity check",
}

OUTCOMES = {"success": "", "failure": "Failed", "denied": "Refused"}


@dataclass(frozen=True)
class EventLine:
    when: datetime
    text: str
    detail: str
    outcome: str  # "success", "failure" or "denied"
    outcome_text: str  # the badge before the text; empty when the text says it already
    ip_address: str | None
    by_admin: bool


def _detail(event) -> str:
    details = event.details or {}
    parts = []
    if details.get("kind") in KIND_INFO:
        parts.append(KIND_INFO[details["kind"]].title)
    if event.action.startswith("rotation.") and details.get("kind"):
        parts.append("re-encryption" if details["kind"] == "reencrypt" else "re-wrap")
    if event.action.startswith("token.") and details.get("name"):
        parts.append(f"“{details['name']}”")
    if details.get("reason") == "backoff":
        parts.append("while waiting after wrong PINs")
    if details.get("reason") == "locked_out":
        parts.append("while locked out")
    return " · ".join(parts)


def describe_event(event) -> EventLine:
    outcome_text = OUTCOMES.get(event.outcome, event.outcome)
    if event.outcome == "failure" and event.action in REFUSED:
        text, outcome_text = REFUSED[event.action], ""
    elif event.outcome == "denied" and event.action in ATTEMPTS:
        text = ATTEMPTS[event.action]
    else:
        text = ACTIONS.get(event.action) or event.action.replace(".", " ").replace("_", " ").capitalize()
    by_admin = bool(
        event.actor_id and event.subject_user_id and event.actor_id != event.subject_user_id
    )
    return EventLine(
        when=event.created_at,
        text=text,
        detail=_detail(event),
        outcome=event.outcome,
        outcome_text=outcome_text,
        ip_address=event.ip_address,
        by_admin=by_admin,
    )
