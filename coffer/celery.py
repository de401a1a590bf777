"""The Celery app. Tasks carry ids only; see DESIGN §5."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coffer.settings.dev")

app = Celery("coffer")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
