"""A deleted record ends the grants that share it, so its data is no longer served."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from records.models import Record

from .services import grants_revoke_for_record


@receiver(post_delete, sender=Record, dispatch_uid="sharing.revoke_grants_of_deleted_record")
def revoke_grants_of_deleted_record(sender, instance: Record, **kwargs) -> None:
    grants_revoke_for_record(record_id=instance.pk, owner_id=instance.owner_id)
