"""Resumable uploads raced against what could break them, one side held at a seam
(coffer/seams.py) while the other runs to its end: rotations through a real Celery
worker (down to destroying the old vault key version), a PIN change, a recovery, a
second copy of the same segment, a cancel. docs/rotation.md ("The one lock") names them.
"""

import hashlib
from datetime import timedelta

import pytest
from django.test import override_settings

from files.models import File
from tests.races.support import Held, everything_opens, fill, rotate, wait_until_done
from uploads.models import UploadSession
from vault.models import VaultKey
from vault.rotation.gc import gc_blobs

from .conftest import PART, content, pdf, send, started, upload_url

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]

KINDS = ["rewrap", "reencrypt"]


def _half_sent(vaulted, size: int = 3 * PART + 500):
    client = vaulted.unlock()
    data = pdf(size)
    upload_id = started(client, data, filename="big.pdf")
    assert send(client, upload_id, 0, data[:PART]).json()["offset"] == PART
    return client, data, upload_id


def _finished(vaulted, client, upload_id: str, data: bytes, offset: int) -> None:
    response = send(client, upload_id, offset, data[offset:])
    assert response.status_code == 201, response.content
    vaulted.files[upload_id] = hashlib.sha256(data).hexdigest()


def _unheld():
    """The main thread's own calls pass the seam the held side waits at."""
    return override_settings(COFFER_TEST_SEAMS=[])


@pytest.mark.parametrize("kind", KINDS)
def test_a_session_open_while_a_rotation_runs_to_the_end_still_finishes(celery_worker_process, alice, kind):
    """Rows: upload session; rotation batch and finish. The rotation moves the session's key."""
    vaulted = fill(alice, records=1, files=1)
    client, data, upload_id = _half_sent(vaulted)
    celery_worker_process.start()
    wait_until_done(rotate(vaulted.unlock(), kind), celery_worker_process)
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]
    assert UploadSession.objects.get(pk=upload_id).vault_key_version == 2
    client = vaulted.unlock()
    assert send(client, upload_id, PART, data[PART : 2 * PART]).json()["offset"] == 2 * PART
    _finished(vaulted, client, upload_id, data, 2 * PART)
    assert File.objects.get(pk=upload_id).vault_key_version == 2
    everything_opens(vaulted)


@pytest.mark.parametrize("kind", KINDS)
def test_a_segment_held_before_its_offset_moves_while_a_rotation_runs_to_the_end(celery_worker_process, alice, kind):
    """Rows: upload segment; rotation finish. The segment's DEK was opened under the old version."""
    vaulted = fill(alice, records=1, files=1)
    client, data, upload_id = _half_sent(vaulted)
    celery_worker_process.start()
    with Held("upload.segment.advance", run=lambda: send(client, upload_id, PART, data[PART : 3 * PART])) as held:
        wait_until_done(rotate(vaulted.unlock(), kind), celery_worker_process)
        assert list(VaultKey.objects.values_list("version", flat=True)) == [2]
        assert held.release().json()["offset"] == 3 * PART
    _finished(vaulted, vaulted.unlock(), upload_id, data, 3 * PART)
    everything_opens(vaulted)


@pytest.mark.parametrize("kind", KINDS)
def test_the_finish_held_before_its_commit_while_a_rotation_runs_to_the_end(celery_worker_process, alice, kind):
    """Rows: upload finish (file create); rotation finish. The row is wrapped under the newest version."""
    vaulted = fill(alice, records=1, files=1)
    client, data, upload_id = _half_sent(vaulted)
    celery_worker_process.start()
    with Held("upload.finish.commit", run=lambda: send(client, upload_id, PART, data[PART:])) as held:
        wait_until_done(rotate(vaulted.unlock(), kind), celery_worker_process)
        assert held.release().status_code == 201
    vaulted.files[upload_id] = hashlib.sha256(data).hexdigest()
    assert File.objects.get(pk=upload_id).vault_key_version == 2
    everything_opens(vaulted)


@pytest.mark.parametrize("change", ["pin", "recovery"])
def test_a_pin_change_or_recovery_during_a_session_keeps_it_resumable(alice, change):
    """The session's DEK is wrapped by a vault key, which neither changes: after unlocking
    with the new PIN the upload goes on; a session of the old PIN is refused (423), and spends nothing."""
    vaulted = fill(alice, records=1, files=0)
    old_client, data, upload_id = _half_sent(vaulted)
    if change == "pin":
        response = vaulted.client().post("/api/v1/vault/pin", {"pin": vaulted.pin, "new_pin": "730194"}, format="json")
        assert response.status_code == 204, response.content
    else:
        response = vaulted.client().post("/api/v1/vault/recover",
                                         {"recovery_code": vaulted.recovery_code, "new_pin": "730194"}, format="json")
        assert response.status_code == 200, response.content
        vaulted.recovery_code = response.json()["recovery_code"]
    vaulted.pin = "730194"
    assert send(old_client, upload_id, PART, data[PART:]).status_code == 423
    client = vaulted.unlock()
    assert client.get(upload_url(upload_id)).json()["offset"] == PART
    _finished(vaulted, client, upload_id, data, PART)
    everything_opens(vaulted)


def test_the_finish_held_while_the_pin_changes_makes_a_file_the_new_pin_opens(alice):
    """Row: upload finish against a PIN change. The PIN change re-wraps the vault keys, which
    stay the same keys: a finish that began before it commits, as a one-shot upload does."""
    vaulted = fill(alice, records=1, files=0)
    client, data, upload_id = _half_sent(vaulted)
    with Held("upload.finish.commit", run=lambda: send(client, upload_id, PART, data[PART:])) as held:
        with _unheld():
            response = vaulted.client().post("/api/v1/vault/pin", {"pin": vaulted.pin, "new_pin": "730194"},
                                             format="json")
        assert response.status_code == 204, response.content
        vaulted.pin = "730194"
        assert held.release().status_code == 201
    vaulted.files[upload_id] = hashlib.sha256(data).hexdigest()
    everything_opens(vaulted)


def test_two_copies_of_one_segment_racing_one_wins_and_the_other_is_409(alice):
    vaulted = fill(alice, records=0, files=0)
    client, data, upload_id = _half_sent(vaulted)
    with Held("upload.segment.advance", run=lambda: send(client, upload_id, PART, data[PART : 3 * PART])) as held:
        with _unheld():
            assert send(client, upload_id, PART, data[PART : 3 * PART]).json()["offset"] == 3 * PART
        late = held.release()
    assert late.status_code == 409
    assert (late.json()["code"], late.json()["offset"]) == ("upload_offset_mismatch", 3 * PART)
    assert client.get(upload_url(upload_id)).json()["offset"] == 3 * PART
    _finished(vaulted, client, upload_id, data, 3 * PART)
    assert content(client, upload_id) == data


def test_the_final_segment_held_while_a_cancel_runs_to_its_end(alice):
    vaulted = fill(alice, records=0, files=0)
    client, data, upload_id = _half_sent(vaulted)
    with Held("upload.finish.commit", run=lambda: send(client, upload_id, PART, data[PART:])) as held:
        assert client.delete(upload_url(upload_id)).status_code == 204
        assert held.release().status_code == 404
    assert not File.objects.exists() and not UploadSession.objects.exists()
    everything_opens(vaulted)


def test_a_cancel_held_while_the_final_segment_runs_to_its_end(alice):
    vaulted = fill(alice, records=0, files=0)
    client, data, upload_id = _half_sent(vaulted)
    with Held("upload.cancel.commit", run=lambda: client.delete(upload_url(upload_id))) as held:
        _finished(vaulted, client, upload_id, data, PART)
        assert held.release().status_code == 404
    assert content(client, upload_id) == data
    everything_opens(vaulted)


def test_the_blob_gc_leaves_a_live_sessions_parts_alone(alice):
    """Its grace outlives every session (uploads.apps checks the settings), and staged parts are no blobs."""
    vaulted = fill(alice, records=0, files=1)
    client, data, upload_id = _half_sent(vaulted)
    gc_blobs(retain=timedelta(0))
    _finished(vaulted, client, upload_id, data, PART)
    everything_opens(vaulted)


def test_a_segment_held_before_it_claims_a_part_while_a_cancel_runs_to_its_end(alice):
    vaulted = fill(alice, records=0, files=0)
    client, data, upload_id = _half_sent(vaulted)
    with Held("upload.part.claim", run=lambda: send(client, upload_id, PART, data[PART : 2 * PART])) as held:
        assert client.delete(upload_url(upload_id)).status_code == 204
        assert held.release().status_code == 404
    assert not UploadSession.objects.exists() and not File.objects.exists()
    everything_opens(vaulted)
