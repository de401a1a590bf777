from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from vault.busy import busy_register

        from .services import export_running_refusal

        busy_register("exports", export_running_refusal)
