"""Reading upload sessions. Every lookup goes through the owner; a foreign, unknown or
expired id is a 404."""

from __future__ import annotations

import uuid

from django.utils import timezone

from .errors import UploadNotFound
from .models import UploadSession


def upload_get(*, owner, upload_id, for_update: bool = False) -> UploadSession:
    try:
        pk = upload_id if isinstance(upload_id, uuid.UUID) else uuid.UUID(str(upload_id))
    except ValueError:
        raise UploadNotFound() from None
    sessions = UploadSession.objects.filter(owner=owner, pk=pk, expires_at__gt=timezone.now())
    if for_update:
        sessions = sessions.select_for_update()
    session = sessions.first()
    if session is None:
        raise UploadNotFound()
    return session
