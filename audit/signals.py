"""Auth events that no service sees: every log-out. Sign-ins are allauth's (accounts/signals.py)."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .services import audit_record


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="account.logout", actor=user, request=request, target_kind="user", target_id=user.pk)
