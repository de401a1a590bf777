"""Scope checks. A view names the scope each method needs in `required_scopes`."""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from audit.services import audit_record

from .models import AccessToken


def request_scopes(request) -> set[str] | None:
    """The scopes of the token behind this request; None for a browser session (all scopes)."""
    if isinstance(request.auth, AccessToken):
        return set(request.auth.scopes)
    return None


class InsufficientScope(PermissionDenied):
    default_detail = "This token lacks the scope this request needs."
    default_code = "insufficient_scope"


class HasScope(BasePermission):

    def has_permission(self, request, view) -> bool:
        needed = getattr(view, "required_scopes", {}).get(request.method)
        scopes = request_scopes(request)
        if needed is None or scopes is None or needed in scopes:
            return True
        audit_record(
            action="token.scope_denied",
            outcome="denied",
            request=request,
            target_kind="token",
            target_id=request.auth.pk,
            details={"scope": needed, "method": request.method, "path": request.path},
        )
        raise InsufficientScope(f"This token lacks the '{needed}' scope.")
