"""Where to send someone next: only ever a page of this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str = "home") -> str:
    """The `next` page to go to, if it is a path on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
