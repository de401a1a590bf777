"""Who may call sharing endpoints: approved apps (signed requests), and tokens holding
more than one scope."""

from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission

from accounts.permissions import InsufficientScope, request_scopes
from audit.services import audit_record
from sharing.models import App


class AppNotApproved(PermissionDenied):
    default_code = "app_not_approved"


class IsSignedApp(BasePermission):
    """A request signed by a registered app, in any state."""

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, App):
            raise NotAuthenticated("Sign the request with your app's key: see docs/sharing.md.")
        return True


class IsApprovedApp(IsSignedApp):
    """A request signed by an app that an admin approved. Pending or revoked apps: 403."""

    def has_permission(self, request, view) -> bool:
        super().has_permission(request, view)
        app = request.auth
        if app.state == App.State.PENDING:
            raise AppNotApproved("This app is waiting for an admin's approval.")
        if app.state != App.State.APPROVED:
            raise AppNotApproved("This app's access has been revoked.")
        return True


class HasEveryScope(BasePermission):
    """Extra scopes a method needs besides `required_scopes`: `also_required_scopes`."""

    def has_permission(self, request, view) -> bool:
        needed = getattr(view, "also_required_scopes", {}).get(request.method, ())
        scopes = request_scopes(request)
        missing = [scope for scope in needed if scopes is not None and scope not in scopes]
        if not missing:
            return True
        audit_record(
            action="token.scope_denied", outcome="denied", request=request, target_kind="token",
            target_id=request.auth.pk, details={"scope": missing[0], "method": request.method, "path": request.path},
        )
        raise InsufficientScope(f"This token lacks the '{missing[0]}' scope.")
