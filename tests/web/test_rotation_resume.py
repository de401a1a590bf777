"""A failed rotation resumes from the Settings page and from the admin. The fault is
real: an object missing from the store (permanent, so the job fails at once), then
put back, as an operator restoring it from a backup would."""

import hashlib

import pytest

from files.models import File
from storage.factory import get_store
from tests.admin.conftest import staff_factory  # noqa: F401  (fixture)
from vault.models import RotationJob, VaultKey
from vault.rotation.services import rotation_step

pytestmark = pytest.mark.usefixtures("transactional_db")


def _drive(job_id) -> str:
    for _ in range(50):
        if rotation_step(job_id=job_id, budget_seconds=5).finished:
            break
    return RotationJob.objects.get(pk=job_id).state


@pytest.fixture
def failed_job(alice):
    from vault.models import Vault

    if not Vault.objects.filter(user=alice.user).exists():
        alice.setup_vault()
    unlocked_alice = alice.unlock()
    body = b"%PDF-1.7\n" + b"x" * 5000
    response = unlocked_alice.client.post("/api/v1/files/", data=body, content_type="application/pdf", HTTP_X_FILENAME="a.pdf")
    assert response.status_code == 201
    blob = get_store()._path(File.objects.get().blob_key)
    job_id = unlocked_alice.client.post("/api/v1/vault/rotations/", {"kind": "reencrypt"}, format="json").json()["id"]
    aside = blob.with_name("aside")
    blob.rename(aside)  # the object is missing: a permanent fault, reported at once
    try:
        assert _drive(job_id) == "failed"
    finally:
        aside.rename(blob)  # ... until an operator restores it from a backup
    assert sorted(VaultKey.objects.values_list("version", flat=True)) == [1, 2]
    return job_id, hashlib.sha256(body).hexdigest()


def test_the_settings_page_offers_resume_and_it_finishes_the_job(unlocked_web, failed_job):
    job_id, _ = failed_job
    page = unlocked_web.get("/settings/")
    assert b"data-rotation-resume" in page.content
    response = unlocked_web.post(f"/settings/rotation/{job_id}/resume/")
    assert response.status_code == 302
    assert _drive(job_id) == "done"
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]


def test_the_admin_action_resumes_it_and_is_audited(staff_factory, failed_job, alice):  # noqa: F811
    from audit.models import AuditEvent

    job_id, digest = failed_job
    admin = staff_factory("ops", "vault.change_vault", "vault.view_rotationjob")
    url = "/admin/vault/rotationjob/"
    form = {"action": "resume_rotation", "_selected_action": [job_id], "confirmed": "yes"}
    assert admin.post(url, form).status_code == 302
    assert RotationJob.objects.get(pk=job_id).state == "running"
    assert AuditEvent.objects.filter(action="rotation.resume").exists()
    assert _drive(job_id) == "done"
    alice.unlock()
    content = alice.client.get(f"/api/v1/files/{File.objects.get().pk}/content")
    assert hashlib.sha256(b"".join(content.streaming_content)).hexdigest() == digest


def test_another_user_cannot_resume_alices_job(failed_job, unlocked_bob):
    job_id, _ = failed_job
    assert unlocked_bob.client.post(f"/api/v1/vault/rotations/{job_id}/resume").status_code == 404
