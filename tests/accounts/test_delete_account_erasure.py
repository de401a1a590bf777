"""After deletion: a real Celery worker deletes the account's objects from the S3 test
server, retrying while storage is down; and a database copy taken just after the
deletion, restored, opens nothing even with the right PIN."""

from __future__ import annotations

import hashlib
import subprocess

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from erasure.models import ErasureJob
from files.models import File
from storage.factory import get_store
from tests.conftest import PASSWORD, PIN, make_person
from tests.fixtures.celery_worker import wait_for
from vault.models import Vault

pytestmark = [pytest.mark.slow]


@pytest.fixture
def storage(restartable_s3):
    return restartable_s3


def _upload(person, n: int) -> str:
    body = b"%PDF-1.7\n" + hashlib.sha256(f"{person.user.username}{n}".encode()).digest() * 3000
    response = person.client.post("/api/v1/files/", data=body, content_type="application/pdf",
                                  HTTP_X_FILENAME=f"{n}.pdf")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _delete(person) -> str:
    client = APIClient()
    assert client.login(username=person.user.username, password=PASSWORD)
    response = client.post("/api/v1/accounts/delete", {"password": PASSWORD, "confirmation": person.user.username},
                           format="json")
    assert response.status_code == 202, response.content
    return response.json()["erasure_job_id"]


def _stored() -> set[str]:
    return {blob.key for blob in get_store().list_blobs()}


def _two_people_with_files():
    alice = make_person("alice").setup_vault().unlock()
    bob = make_person("bob").setup_vault().unlock()
    for n in range(3):
        _upload(alice, n)
    bobs_file = _upload(bob, 0)
    alices_keys = set(File.objects.filter(owner=alice.user).values_list("blob_key", flat=True))
    bobs_keys = set(File.objects.filter(owner=bob.user).values_list("blob_key", flat=True))
    assert len(alices_keys) == 3 and alices_keys | bobs_keys <= _stored()
    return alice, bob, bobs_file, alices_keys, bobs_keys


def test_the_worker_deletes_every_object_of_the_account_and_no_other(storage, celery_worker_process):
    alice, bob, bobs_file, alices_keys, bobs_keys = _two_people_with_files()
    celery_worker_process.start()

    job_id = _delete(alice)

    wait_for(lambda: ErasureJob.objects.get(pk=job_id).state == ErasureJob.State.DONE, timeout=60,
             message="the erasure job to finish")
    job = ErasureJob.objects.get(pk=job_id)
    assert job.pending_blob_keys == [] and job.blobs_total == 3 and job.finished_at is not None
    stored = _stored()
    assert not stored & alices_keys
    assert bobs_keys <= stored
    response = bob.client.get(f"/api/v1/files/{bobs_file}/content")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_task_retries_while_storage_is_down_and_finishes_when_it_is_back(storage, celery_worker_process):
    alice, _, _, alices_keys, bobs_keys = _two_people_with_files()
    # Two tries per run: the run gives up fast, so Celery's own retry is exercised too.
    celery_worker_process.start(COFFER_ROTATION_MAX_ATTEMPTS="2")
    storage.stop()

    job_id = _delete(alice)

    wait_for(lambda: ErasureJob.objects.get(pk=job_id).attempts >= 4, timeout=60,
             message="several failed tries while storage is down")
    job = ErasureJob.objects.get(pk=job_id)
    assert job.state == ErasureJob.State.PENDING and set(job.pending_blob_keys) == alices_keys
    assert job.last_error and job.last_attempt_at is not None
    storage.start()
    wait_for(lambda: ErasureJob.objects.get(pk=job_id).state == ErasureJob.State.DONE, timeout=90,
             message="the erasure job to finish once storage is back")
    stored = _stored()
    assert not stored & alices_keys and bobs_keys <= stored


def _pg_args() -> list[str]:
    db = connection.settings_dict
    return ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres"]


def test_a_database_copy_taken_just_after_deletion_opens_nothing_even_with_the_right_pin(storage, tmp_path,
                                                                                        transactional_db):
    alice, _, _, alices_keys, _ = _two_people_with_files()
    user_id, username = alice.user.pk, alice.user.username
    _delete(alice)  # no worker: every object is still in the bucket
    assert alices_keys <= _stored()

    copy = tmp_path / "after.dump"
    subprocess.run(["pg_dump", *_pg_args(), "--format=custom", f"--file={copy}", connection.settings_dict["NAME"]],
                   check=True, capture_output=True)
    connections.close_all()
    subprocess.run(["pg_restore", *_pg_args(), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    "-d", connection.settings_dict["NAME"], str(copy)], check=True, capture_output=True)

    from django.contrib.auth import get_user_model

    # The account cannot sign in, no token of it works, and no vault, key or file row is left to open.
    client = APIClient()
    assert not client.login(username=username, password=PASSWORD)
    response = alice.client.post("/api/v1/vault/unlock", {"pin": PIN}, format="json")
    assert response.status_code == 401
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not Vault.objects.filter(user_id=user_id).exists()
    assert not File.objects.filter(blob_key__in=alices_keys).exists()
    # Someone who recreates the same name gets a new, empty account: the PIN opens nothing of the old one.
    again = make_person(username)
    assert again.user.pk != user_id
    response = again.client.post("/api/v1/vault/unlock", {"pin": PIN}, format="json")
    assert response.status_code in (404, 409, 423), response.content
    assert response.status_code != 200
