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


def view_implements(view, method: str) -> bool:
    """Whether the view has a handler for this method (Django gives HEAD to a GET)."""
    handler = method.lower()
    return handler in view.http_method_names and callable(getattr(view, handler, None))


class HasScope(BasePermission):
    """A HEAD needs what a GET needs. On a view that names scopes, a method it does not
    name (other than OPTIONS) is refused to tokens rather than let through.

    A method the view has no handler for is let through here, so that dispatch answers
    405 with an Allow header: no scope could grant it, so there is nothing to audit."""

    def has_permission(self, request, view) -> bool:
        if not view_implements(view, request.method):
            return True
        required = getattr(view, "required_scopes", {})
        method = "GET" if request.method == "HEAD" else request.method
        scopes = request_scopes(request)
        if scopes is None or not required or method == "OPTIONS":
            return True
        needed = required.get(method, "(a scope this method does not grant)")
        if needed in scopes:
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


class SessionRequired(PermissionDenied):
    default_detail = "Only a signed-in browser session may do this; API tokens may not."
    default_code = "session_required"


class BrowserSessionOnly(BasePermission):
    """For what no token may do, whatever its scopes (deleting the account): a token is
    a credential handed to an app, and deletion is the person's own act."""

    def has_permission(self, request, view) -> bool:
        if request.auth is None or request.method == "OPTIONS":
            return True
        audit_record(
            action="token.scope_denied",
            outcome="denied",
            request=request,
            target_kind="token",
            target_id=getattr(request.auth, "pk", ""),
            details={"scope": "(browser session only)", "method": request.method, "path": request.path},
        )
        raise SessionRequired()
