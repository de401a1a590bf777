"""Sign up, log in and log out for people. Business logic stays in accounts.services."""

from django import forms
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from vault.selectors import vault_state
from vault.api.unlocking import unlock_secret_from


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(max_length=256, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SignupForm(forms.Form):
    username = forms.RegexField(r"^[\w.@+-]+\Z", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(max_length=256, strip=False, min_length=10, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), help_text="At least 10 characters.")


@require_http_methods(["GET", "POST"])
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_check_password(**form.cleaned_data, request=request)
        except services.AccountError as exc:
            form.add_error(None, exc.detail)
        else:
            login(request, user)
            return redirect("home")
    return render(request, "accounts/login.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def signup_view(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(**form.cleaned_data, request=request)
        except services.AccountError as exc:
            form.add_error(exc.field, exc.detail)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


@login_required
def home_view(request):
    state = vault_state(user=request.user, unlock_secret=unlock_secret_from(request))
    return render(request, "accounts/home.html", {"vault": state})
