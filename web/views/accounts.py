"""Sign up, log in and log out. The rules live in accounts.services."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from coffer.limits import throttled
from vault.api.unlocking import clear_unlock_cookie, unlock_secret_from
from vault.services import vault_lock

from ..forms import LoginForm, SignupForm, add_domain_error
from ..redirects import safe_next


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@throttled("login")
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_check_password(**form.cleaned_data, request=request)
        except services.AccountError as exc:
            add_domain_error(form, exc)
        else:
            login(request, user)
            return redirect(safe_next(request))
    context = {"form": form, "next": safe_next(request, default="")}
    return render(request, "web/accounts/login.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@throttled("login")
def signup_view(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_register(**form.cleaned_data, request=request)
        except services.AccountError as exc:
            add_domain_error(form, exc)
        else:
            # The same page whether or not the name was taken (docs/security.md §3.5).
            messages.info(request, services.REGISTER_RECEIVED)
            return redirect("login")
    return render(
        request, "web/accounts/signup.html", {"form": form}, status=400 if form.errors else 200
    )


@require_POST
def logout_view(request):
    """Logging out locks the vault too: the unlock session must not outlive the login."""
    response = redirect("login")
    if request.user.is_authenticated:
        unlock_secret = unlock_secret_from(request)
        if unlock_secret:
            vault_lock(user=request.user, unlock_secret=unlock_secret, request=request)
        logout(request)
    clear_unlock_cookie(response)
    return response
