from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class UploadsConfig(AppConfig):
    name = "uploads"
    verbose_name = "Resumable uploads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from vault.crypto.stream import CHUNK_SIZE

        part_size = settings.COFFER_UPLOAD_PART_SIZE
        if part_size < CHUNK_SIZE or part_size % CHUNK_SIZE:
            raise ImproperlyConfigured("COFFER_UPLOAD_PART_SIZE must be a positive multiple of 65536")
        if settings.COFFER_UPLOAD_SESSION_SECONDS >= settings.COFFER_GC_GRACE_SECONDS:
            # The GC aborts multipart uploads older than its grace: a live session's among them.
            raise ImproperlyConfigured("COFFER_UPLOAD_SESSION_SECONDS must be below COFFER_GC_GRACE_SECONDS")
