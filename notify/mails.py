"""The notification mails: plain text, short, and never a secret.

Each says what happened, when, and what to do if it was not you. None holds a
PIN, recovery code, unlock secret, token, key or a link with a token in it, nor
the client's address. They go out after the transaction commits (immediately
when there is none), and a mail that cannot be sent is logged by kind and error
type, never with its text or address, and swallowed: the operation it reports
has happened either way. EMAIL_TIMEOUT bounds how long a dead server can hold a
request. docs/security.md "Notification mails" lists them.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)

NOT_YOU_PASSWORD = (
    "If it was not you, someone knows your account password. Sign in, revoke any API token you do not "
    "recognise under Settings, lock your vault, and ask the people who run this Coffer server to reset "
    "your password. Your records stay encrypted: the password alone does not open the vault."
)


def mail_signin_new_device(*, user, device: str, at: datetime) -> None:
    _send(kind="signin_new_device", to=user.email, subject="New sign-in to your Coffer account", body=(
        f"Your Coffer account {user.username} was signed in to from a device it had not seen before: "
        f"{device}, at {_when(at)}.\n\n"
        "If it was you, there is nothing to do.\n\n" + NOT_YOU_PASSWORD
    ))


def mail_pin_changed(*, user, at: datetime) -> None:
    _send(kind="pin_changed", to=user.email, subject="Your Coffer PIN was changed", body=(
        f"The PIN of your Coffer vault ({user.username}) was changed at {_when(at)}. Every other "
        "unlocked session of your vault was locked.\n\n"
        "If it was you, there is nothing to do: use the new PIN from now on.\n\n"
        "If it was not you, someone knows your account password and your PIN. Set a new PIN with your "
        "recovery code now (on the unlock page, \"Use your recovery code\"), revoke any API token "
        "you do not recognise under Settings, and ask the people who run this Coffer server to reset "
        "your password."
    ))


def mail_recovery_used(*, user, at: datetime) -> None:
    _send(kind="recovery_used", to=user.email, subject="Your Coffer recovery code was used", body=(
        f"The recovery code of your Coffer vault ({user.username}) was used at {_when(at)} to set a new "
        "PIN. That code no longer works: a new one was shown once to whoever used it.\n\n"
        "If it was you, keep the new recovery code somewhere safe, away from your PIN.\n\n"
        "If it was not you, someone has your account password and your recovery code, and now sets your "
        "PIN. Contact the people who run this Coffer server at once, and revoke any API token you do not "
        "recognise under Settings."
    ))


def mail_recovery_code_replaced(*, user, at: datetime) -> None:
    _send(kind="recovery_code_replaced", to=user.email, subject="Your Coffer recovery code was replaced", body=(
        f"A new recovery code was made for your Coffer vault ({user.username}) at {_when(at)}, with your "
        "PIN. The old code no longer works.\n\n"
        "If it was you, keep the new code (or its recovery sheet) somewhere safe, away from your PIN, and "
        "destroy the old one.\n\n"
        "If it was not you, someone knows your account password and your PIN. Change your PIN under "
        "Settings now, make a new recovery code yourself, and ask the people who run this Coffer server "
        "to reset your password."
    ))


def mail_second_factors_removed(*, user, at: datetime) -> None:
    _send(kind="second_factors_removed", to=user.email, subject="Two-factor sign-in was turned off for your Coffer account", body=(
        f"The people who run this Coffer server removed every second factor (authenticator app, security "
        f"keys, passkeys and recovery codes) of your account {user.username} at {_when(at)}, as asked when "
        "the factors are lost. Your account now signs in with its password alone, and your vault still "
        "needs your PIN.\n\n"
        "If it was you who asked, set up two-factor sign-in again under Account, Two-factor sign-in.\n\n"
        "If you did not ask for this, contact the people who run this Coffer server at once, and change "
        "your password."
    ))


def mail_account_deleted(*, email: str) -> None:
    _send(kind="account_deleted", to=email, subject="Your Coffer account was deleted", body=(
        "Your Coffer account was deleted, with everything in its vault. The keys that opened your "
        "records and documents were destroyed at once, so nobody can open them any more; the "
        "encrypted files are being removed from storage now.\n\n"
        "If you did not do this, someone knew your account password. The account cannot be "
        "brought back. Contact the people who run this Coffer server, and change that password "
        "wherever else you use it."
    ))


def mail_export_started(*, user, at: datetime) -> None:
    _send(kind="export_started", to=user.email, subject="An export of your Coffer vault was started", body=(
        f"An encrypted export of everything in your Coffer vault ({user.username}) was started at "
        f"{_when(at)}. It opens only with the export passphrase chosen then, and is deleted from the "
        "server after a day.\n\n"
        "If it was you, there is nothing to do.\n\n"
        "If it was not you, someone has your account password and your PIN. Set a new PIN with your "
        "recovery code now, revoke any API token you do not recognise under Settings, and ask the "
        "people who run this Coffer server to reset your password."
    ))


def mail_export_downloaded(*, user, at: datetime) -> None:
    _send(kind="export_downloaded", to=user.email, subject="Your Coffer export was downloaded", body=(
        f"The encrypted export of your Coffer vault ({user.username}) was downloaded at {_when(at)}.\n\n"
        "If it was you, keep the file and its passphrase apart.\n\n"
        "If it was not you, someone has your account password and your PIN, and a copy of your data "
        "that only the export passphrase opens. Set a new PIN with your recovery code, revoke any API "
        "token you do not recognise, and contact the people who run this Coffer server."
    ))


def mail_reminder_due(*, user, on: date) -> None:
    """An expiry reminder: only its date, never which document or any of its fields."""
    _send(kind="reminder_due", to=user.email, subject="A document in your Coffer vault expires soon", body=(
        f"This is the expiry reminder you asked your Coffer vault ({user.username}) to send on "
        f"{on.isoformat()}. Unlock your vault to see which documents expire soon (the \"Expiring soon\" "
        "filter on your vault's home page).\n\n"
        "The server does not know which document this is for: it keeps only the dates of your "
        "reminders. You can turn reminders off under Settings, Reminders."
    ))


def mail_correction_reported(*, user, app_name: str, at: datetime) -> None:
    """An app asked the user to check a record: the app's name only, never which record, the
    app's message or any value."""
    _send(kind="correction_reported", to=user.email, subject="An app asked you to check a record in Coffer", body=(
        f"The app \"{app_name}\", which you shared records of your Coffer vault ({user.username}) with, "
        f"asked you at {_when(at)} to check a record it received. Unlock your vault to read what it "
        "reported: the record's page, and the Sharing page, list the problems apps reported.\n\n"
        "The message is sealed to your vault's key, so this mail cannot say more. If you no longer "
        "want this app to have your records, revoke its access on the Sharing page."
    ))


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _send(*, kind: str, to: str, subject: str, body: str) -> None:
    if not to:
        return

    def send() -> None:
        try:
            send_mail(subject, body, None, [to])
        except Exception as exc:  # noqa: BLE001 - the operation happened; a lost note must not undo or fail it
            logger.warning("notification mail %s not sent (%s)", kind, type(exc).__name__)

    transaction.on_commit(send)
