"""Delete my account: the password and the typed username, then a plain page saying it is done."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts.deletion import account_delete
from accounts.services import AccountError
from coffer.limits import throttled
from vault.api.unlocking import clear_unlock_cookie

from ..forms import AccountDeleteForm, add_domain_error


# Only the login: someone who lost both PIN and recovery code must still be able to leave.
@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
@throttled("login")
def account_delete_view(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                account_delete(user=request.user, **form.cleaned_data, request=request)
            except AccountError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                request.session.flush()  # not logout(): its signal would audit the gone user by name
                response = redirect("account-deleted")
                clear_unlock_cookie(response)
                return response
        else:
            status = 400
    return render(request, "web/accounts/delete.html", {"form": form}, status=status)


@require_GET
def account_deleted_view(request):
    return render(request, "web/accounts/deleted.html")
