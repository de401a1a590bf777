"""Sharing scans while something else changes them, held at the grant's commit seam
(coffer/seams.py, "grant.create.commit": the copies are made, the grant not yet written)."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest

from files.models import File
from sharing.models import Grant, GrantScan
from tests.files.conftest import fs_backend, pdf  # noqa: F401  (fs_backend: a fixture)
from tests.files.test_scan_roles import put_scan
from tests.races.support import Held, everything_opens, fill, rotate
from vault.models import RotationJob

from .conftest import GRANTS_URL, create_record, grant_body, user_sign_key
from .test_grant_scans import body, download, opened

pytestmark = [pytest.mark.usefixtures("transactional_db", "fs_backend")]


def _passport_with_front(client) -> tuple[str, bytes]:
    passport = create_record(SimpleNamespace(client=client), "passport")
    front = pdf(200_000, marker=b"front")
    assert put_scan(client, passport["id"], "front", front).status_code == 201
    return passport["id"], front


def _share(client, app, record_id):
    return lambda: client.post(GRANTS_URL, grant_body(app, [{"record_id": record_id, "scans": ["front"]}]),
                               format="json")


def _blobs(fs_backend) -> set[str]:
    return {info.key for info in fs_backend.store.list_blobs()}


def test_a_scan_replaced_while_it_is_copied_fails_the_grant_and_leaves_no_copy(alice, app, fs_backend):
    vaulted = fill(alice, records=0, files=0)
    client = vaulted.unlock()
    record_id, _ = _passport_with_front(client)
    with Held("grant.create.commit", run=_share(vaulted.unlock(), app, record_id)) as held:
        replaced = put_scan(client, record_id, "front", pdf(90_000, marker=b"new"), method="PUT")
        assert replaced.status_code in (200, 201), replaced.content
        response = held.release()
    assert response.status_code == 409 and response.json()["code"] == "scan_changed"
    assert not Grant.objects.exists() and not GrantScan.objects.exists()
    assert _blobs(fs_backend) == set(File.objects.values_list("blob_key", flat=True))


def test_a_record_deleted_while_its_scans_are_copied_fails_the_grant(alice, app, fs_backend):
    vaulted = fill(alice, records=0, files=0)
    client = vaulted.unlock()
    record_id, _ = _passport_with_front(client)
    with Held("grant.create.commit", run=_share(vaulted.unlock(), app, record_id)) as held:
        assert client.delete(f"/api/v1/records/{record_id}/").status_code == 204
        response = held.release()
    # The record's scans were detached by the delete: the copy no longer matches the record.
    assert response.status_code == 409 and response.json()["code"] == "scan_changed", response.content
    assert not Grant.objects.exists() and not GrantScan.objects.exists()
    assert _blobs(fs_backend) == set(File.objects.values_list("blob_key", flat=True))


def test_a_reencrypt_rotation_that_runs_to_its_end_during_the_copy_leaves_both_whole(alice, app, fs_backend):
    from coffer.celery import app as celery_app

    vaulted = fill(alice, records=1, files=1)
    client = vaulted.unlock()
    record_id, front = _passport_with_front(client)
    vaulted.files[str(File.objects.get(record_id=record_id).pk)] = hashlib.sha256(front).hexdigest()
    with Held("grant.create.commit", run=_share(vaulted.unlock(), app, record_id)) as held:
        celery_app.conf.task_always_eager = True
        try:
            assert RotationJob.objects.get(pk=rotate(client, "reencrypt")).state == "done"
        finally:
            celery_app.conf.task_always_eager = False
        response = held.release()
    assert response.status_code == 201, response.content
    [served] = app.fetch()
    document = app.open_verified(served, user_sign_key(alice))
    [scan] = document["records"][0]["scans"]
    assert opened(document, scan, body(download(app, document["grant_id"], scan["id"]))) == front
    everything_opens(vaulted)
