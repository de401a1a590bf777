"""Auth events that no service sees: admin log-ins (Django's own view) and every log-out."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.urls import reverse

from .services import audit_record
from .typed_names import typed_username_hash


def _is_admin_login(request) -> bool:
    return request is not None and request.path == reverse("admin:login")


@receiver(user_logged_in, dispatch_uid="audit-admin-login")
def _admin_logged_in(sender, request, user, **kwargs):
    if _is_admin_login(request):
        audit_record(action="admin.login", actor=user, request=request, target_kind="user", target_id=user.pk)


@receiver(user_login_failed, dispatch_uid="audit-admin-login-failed")
def _admin_login_failed(sender, credentials, request=None, **kwargs):
    if _is_admin_login(request):
        # Django masks the password in `credentials`; the typed name is kept only as a keyed hash.
        username_hmac = typed_username_hash(str(credentials.get("username", "")))
        audit_record(action="admin.login", outcome="failure", request=request,
                     details={"username_hmac": username_hmac})


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="account.logout", actor=user, request=request, target_kind="user", target_id=user.pk)
