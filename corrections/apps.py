from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "corrections"
    verbose_name = "Corrections asked by apps"
    default_auto_field = "django.db.models.BigAutoField"
