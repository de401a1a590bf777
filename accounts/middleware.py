"""Two guards around allauth: a JSON body its headless API could not parse safely is refused
first, and staff without a second factor are sent to set one up before the admin."""

from __future__ import annotations

import json

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

ADMIN_NEEDS_SECOND_FACTOR = (
    "The admin opens only to accounts with a second factor. Set one up here, then go back to the admin."
)


HEADLESS_PREFIX = "/_allauth/"


class HeadlessBodyMiddleware:
    """allauth's headless views call json.loads on any body: one nested 100,000 deep is a
    RecursionError there, a 500. Such a body is refused here with 400 `parse_error`, as
    Coffer's own API refuses it (coffer/limits.py). Django's size limit still applies:
    reading request.body past DATA_UPLOAD_MAX_MEMORY_SIZE answers 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(HEADLESS_PREFIX) and request.method not in ("GET", "HEAD", "OPTIONS"):
            body = request.body
            if body:
                try:
                    json.loads(body)
                except RecursionError:
                    return _parse_error("JSON parse error - the body is nested too deeply.")
                except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
                    return _parse_error("JSON parse error - the body is not JSON.")
        return self.get_response(request)


def _parse_error(detail: str) -> JsonResponse:
    return JsonResponse({"code": "parse_error", "detail": detail}, status=400)


class AdminSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = None

    def __call__(self, request):
        if self.admin_prefix is None:
            self.admin_prefix = reverse("admin:index")
        user = getattr(request, "user", None)
        if (
            request.path.startswith(self.admin_prefix)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not is_mfa_enabled(user)
        ):
            messages.warning(request, ADMIN_NEEDS_SECOND_FACTOR)
            return redirect("mfa_index")
        return self.get_response(request)
