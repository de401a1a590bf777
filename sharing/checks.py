"""Deploy checks: auto-approving apps is for development only."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def apps_auto_approve_off(app_configs, **kwargs):
    if settings.COFFER_APPS_AUTO_APPROVE:
        return [
            Warning(
                "COFFER_APPS_AUTO_APPROVE is on: any app that registers can receive grants without review.",
                hint="Set COFFER_APPS_AUTO_APPROVE=false in production and approve apps in Django admin.",
                id="sharing.W001",
            )
        ]
    return []
