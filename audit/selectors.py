from django.db.models import QuerySet

from .models import AuditEvent


def audit_events_for_user(*, user) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(subject_user_id=user.pk).order_by("-id")
