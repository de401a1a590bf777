"""What allauth tells Coffer: sign-ins, sign-ups, password and email changes, second factors.

Each becomes an audit row; a password reset also ends every session (docs/accounts.md).
"""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.dispatch import receiver

from audit.services import audit_record

from . import services
from .resets import password_reset_done


@receiver(account_signals.user_logged_in, dispatch_uid="accounts-signed-in")
def _signed_in(sender, request, user, **kwargs):
    services.user_signed_in(user=user, request=request)


@receiver(account_signals.user_signed_up, dispatch_uid="accounts-signed-up")
def _signed_up(sender, request, user, **kwargs):
    audit_record(action="account.register", actor=user, request=request, target_kind="user", target_id=user.pk)


@receiver(account_signals.password_changed, dispatch_uid="accounts-password-changed")
def _password_changed(sender, request, user, **kwargs):
    audit_record(action="account.password_change", actor=user, request=request, target_kind="user",
                 target_id=user.pk)


@receiver(account_signals.password_reset, dispatch_uid="accounts-password-reset")
def _password_reset(sender, request, user, **kwargs):
    password_reset_done(user=user, request=request)


@receiver(account_signals.email_changed, dispatch_uid="accounts-email-changed")
def _email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    audit_record(action="account.email_change", actor=user, request=request, target_kind="user",
                 target_id=user.pk)


@receiver(mfa_signals.authenticator_added, dispatch_uid="accounts-mfa-added")
def _mfa_added(sender, request, user, authenticator, **kwargs):
    _audit_mfa("mfa.add", request, user, authenticator)


@receiver(mfa_signals.authenticator_removed, dispatch_uid="accounts-mfa-removed")
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    _audit_mfa("mfa.remove", request, user, authenticator)


@receiver(mfa_signals.authenticator_reset, dispatch_uid="accounts-mfa-reset")
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    _audit_mfa("mfa.reset", request, user, authenticator)


@receiver(mfa_signals.authentication_failed, dispatch_uid="accounts-mfa-failed")
def _mfa_failed(sender, request, user, authenticator, reauthentication=False, **kwargs):
    audit_record(action="mfa.authenticate", outcome="failure", subject=user, request=request,
                 target_kind="authenticator", target_id=authenticator.pk,
                 details={"type": authenticator.type, "reauthentication": bool(reauthentication)})


def _audit_mfa(action, request, user, authenticator):
    audit_record(action=action, actor=user, request=request, target_kind="authenticator",
                 target_id=authenticator.pk, details={"type": authenticator.type})
