"""How a rotation moves an open upload session onto the new vault key version.

Both kinds only re-wrap the session's DEK, under the vault lock then the session row:
its parts are already sealed under that DEK and the rest must follow them in the same
stream. So a file finished after a `reencrypt` keeps the DEK its session began with,
as a one-shot upload streaming while the rotation ran does (docs/rotation.md).
"""

from __future__ import annotations

from files.sealing import unwrap_dek, wrap_dek
from vault.locking import vault_locked
from vault.models import RotationItem, RotationJob
from vault.rotation.services import item_advance

from .models import UploadSession


class UploadSessionRotationHandler:
    item_kind = "upload"

    def stragglers(self, *, job: RotationJob):
        sessions = UploadSession.objects.filter(owner_id=job.vault.user_id).exclude(vault_key_version=job.target_version)
        return sessions.values_list("pk", "size")

    def process(self, *, job: RotationJob, item: RotationItem, keys) -> None:
        if item.state != RotationItem.State.DONE:
            with vault_locked(user_id=job.vault.user_id):
                session = UploadSession.objects.select_for_update().filter(
                    pk=item.item_id, owner_id=job.vault.user_id).first()
                if session is not None and session.vault_key_version != job.target_version:
                    dek = unwrap_dek(keys=keys, wrapped_dek=session.wrapped_dek, user_id=session.owner_id,
                                     file_id=str(session.pk), vault_key_version=session.vault_key_version)
                    session.wrapped_dek = wrap_dek(vault_key=keys.key(job.target_version), dek=dek,
                                                   user_id=session.owner_id, file_id=str(session.pk),
                                                   vault_key_version=job.target_version)
                    session.vault_key_version = job.target_version
                    session.save(update_fields=["wrapped_dek", "vault_key_version"])
                item_advance(item, RotationItem.State.DONE)
