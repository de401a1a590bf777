"""Erasure jobs in the admin: read-only, counts and state, no name, address or object key."""

from django.urls import reverse
from rest_framework.test import APIClient

from erasure.models import ErasureJob
from tests.conftest import PASSWORD, make_person


def _delete_account_with_files(username: str) -> ErasureJob:
    person = make_person(username).setup_vault().unlock()
    for n in range(2):
        response = person.client.post("/api/v1/files/", data=b"%PDF-1.7\n" + bytes([n]) * 500,
                                      content_type="application/pdf", HTTP_X_FILENAME=f"{username}-scan.pdf")
        assert response.status_code == 201
    client = APIClient()
    assert client.login(username=username, password=PASSWORD)
    response = client.post("/api/v1/accounts/delete", {"password": PASSWORD, "confirmation": username}, format="json")
    assert response.status_code == 202
    return ErasureJob.objects.get(pk=response.json()["erasure_job_id"])


def test_the_admin_shows_the_job_without_personal_data(admin_client):
    job = _delete_account_with_files("dora")
    assert len(job.pending_blob_keys) == 2
    pages = [
        admin_client.get(reverse("admin:erasure_erasurejob_changelist")),
        admin_client.get(reverse("admin:erasure_erasurejob_change", args=[job.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        content = response.content.decode()
        assert str(job.pk) in content and "pending" in content
        for private in ("dora", "dora@example.com", "dora-scan", *job.pending_blob_keys):
            assert private not in content, private
    assert admin_client.post(reverse("admin:erasure_erasurejob_delete", args=[job.pk])).status_code == 403
    assert admin_client.get(reverse("admin:erasure_erasurejob_add")).status_code == 403
    assert ErasureJob.objects.filter(pk=job.pk).exists()
