from django.apps import AppConfig


class ConsistencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "consistency"
    verbose_name = "Consistency"
