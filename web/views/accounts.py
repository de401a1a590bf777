"""Signing out: allauth's view (the adapter locks the vault), and the unlock cookie goes too.
Recovery codes: allauth's page, shown once, with one download while shown."""

from allauth.account.views import LogoutView
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.views import ViewRecoveryCodesView
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts import recovery_codes
from vault.api.unlocking import clear_unlock_cookie

_allauth_logout = LogoutView.as_view()


def logout_view(request, *args, **kwargs):
    response = _allauth_logout(request, *args, **kwargs)
    if request.method == "POST":
        clear_unlock_cookie(response)
    return response


class RecoveryCodesView(ViewRecoveryCodesView):
    """allauth's page, shown once; while it shows the codes, they can be downloaded once."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["can_view_codes"] and context["unused_codes"]:
            recovery_codes.download_allow(request=self.request, authenticator=self.authenticator())
            context["can_download_codes"] = True
        return context

    def authenticator(self) -> Authenticator:
        return Authenticator.objects.get(user=self.request.user, type=Authenticator.Type.RECOVERY_CODES)


recovery_codes_view = RecoveryCodesView.as_view()


@login_required
@never_cache
def recovery_codes_download(request):
    codes = recovery_codes.download_take(request=request)
    if codes is None:
        raise PermissionDenied
    response = render(request, "mfa/recovery_codes/download.txt", {"unused_codes": codes}, content_type="text/plain")
    response["Content-Disposition"] = 'attachment; filename="coffer-recovery-codes.txt"'
    return response
