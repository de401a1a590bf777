"""Signing out: allauth's view (the adapter locks the vault), and the unlock cookie goes too."""

from allauth.account.views import LogoutView

from vault.api.unlocking import clear_unlock_cookie

_allauth_logout = LogoutView.as_view()


def logout_view(request, *args, **kwargs):
    response = _allauth_logout(request, *args, **kwargs)
    if request.method == "POST":
        clear_unlock_cookie(response)
    return response
