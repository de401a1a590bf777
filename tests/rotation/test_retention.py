"""Objects that a deletion or a rotation left unreferenced stay for the backup retention
(COFFER_BLOB_RETENTION), counted from the first GC pass that found them so; a database
restored from inside the window finds every object it names (issue 22)."""

from datetime import timedelta

import pytest

from files.models import File
from storage.factory import get_store
from vault.models import UnreferencedBlob
from vault.rotation.gc import gc_blobs
from vault.rotation.services import rotation_step

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def own_store(settings, tmp_path):
    settings.COFFER_BLOB_ROOT = tmp_path / "blobs"  # no other test's objects to count


@pytest.fixture
def thirty_days(settings):
    settings.COFFER_BLOB_RETENTION = 30 * 86400
    return timedelta(days=30)


def _upload(person, n: int) -> str:
    body = b"%PDF-1.7\n" + bytes([n]) * 1000
    response = person.client.post("/api/v1/files/", data=body, content_type="application/pdf", HTTP_X_FILENAME=f"{n}.pdf")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _stored() -> set[str]:
    return {blob.key for blob in get_store().list_blobs()}


def _age_sightings(by: timedelta) -> None:
    for row in UnreferencedBlob.objects.all():
        UnreferencedBlob.objects.filter(pk=row.pk).update(first_seen_at=row.first_seen_at - by)


def test_a_deleted_files_object_outlives_the_row_for_the_retention_then_goes(unlocked_alice, thirty_days):
    file_id = _upload(unlocked_alice, 1)
    blob_key = File.objects.get(pk=file_id).blob_key
    assert unlocked_alice.client.delete(f"/api/v1/files/{file_id}/").status_code == 204
    assert blob_key in _stored()
    first = gc_blobs(grace=timedelta(0))
    assert (first.deleted, first.retained) == (0, 1) and blob_key in _stored()
    _age_sightings(thirty_days - DAY)
    assert gc_blobs(grace=timedelta(0)).deleted == 0 and blob_key in _stored()
    _age_sightings(2 * DAY)
    assert gc_blobs(grace=timedelta(0)).deleted == 1
    assert blob_key not in _stored() and not UnreferencedBlob.objects.exists()


def test_a_rotation_keeps_the_old_objects_for_the_retention(unlocked_alice, thirty_days):
    ids = [_upload(unlocked_alice, n) for n in range(3)]
    old = set(File.objects.values_list("blob_key", flat=True))
    job = unlocked_alice.client.post("/api/v1/vault/rotations/", {"kind": "reencrypt"}, format="json").json()
    while not rotation_step(job_id=job["id"], budget_seconds=5).finished:
        pass
    new = set(File.objects.filter(pk__in=ids).values_list("blob_key", flat=True))
    assert not (old & new) and old | new <= _stored()
    assert gc_blobs(grace=timedelta(0)).retained == 3
    assert old <= _stored()


def test_a_restored_database_that_names_an_object_again_takes_it_off_the_list(unlocked_alice, thirty_days):
    file_id = _upload(unlocked_alice, 1)
    row = File.objects.get(pk=file_id)
    saved = {field.attname: getattr(row, field.attname) for field in File._meta.concrete_fields}
    unlocked_alice.client.delete(f"/api/v1/files/{file_id}/")
    gc_blobs(grace=timedelta(0))
    assert UnreferencedBlob.objects.filter(blob_key=row.blob_key).exists()
    File.objects.create(**saved)  # the row comes back with the backup
    _age_sightings(thirty_days * 2)
    gc_blobs(grace=timedelta(0))
    assert row.blob_key in _stored() and not UnreferencedBlob.objects.exists()
    response = unlocked_alice.client.get(f"/api/v1/files/{file_id}/content")
    assert response.status_code == 200


def test_with_no_retention_an_unreferenced_object_goes_on_the_first_pass(unlocked_alice, settings):
    settings.COFFER_BLOB_RETENTION = 0
    file_id = _upload(unlocked_alice, 1)
    blob_key = File.objects.get(pk=file_id).blob_key
    File.objects.filter(pk=file_id).delete()  # as a crash between row and object would leave it
    result = gc_blobs(grace=timedelta(0))
    assert (result.deleted, result.retained) == (1, 0) and blob_key not in _stored()


def test_young_objects_are_never_judged(unlocked_alice, thirty_days):
    file_id = _upload(unlocked_alice, 1)
    File.objects.filter(pk=file_id).delete()
    assert gc_blobs(grace=timedelta(hours=1), retain=timedelta(0)).deleted == 0
    assert not UnreferencedBlob.objects.exists()
