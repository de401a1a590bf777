from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Devices and access: every way into an account, listed and ended one by one."""

    name = "access"
    default_auto_field = "django.db.models.BigAutoField"
