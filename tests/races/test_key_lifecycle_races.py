"""Every pair of operations that read or change key versions, raced deterministically.

One side is held at its dangerous point (a seam in coffer/seams.py, held with a
PostgreSQL advisory lock), the other runs to its very end (a rotation through a
real Celery worker, down to destroying the old version), then the first is let go.
Each test names the rows of the table in docs/rotation.md ("The one lock") it covers.
Afterwards every record and file opens with the newest PIN and with the newest
recovery code, no row names a version that does not exist, and no session reads
after its secret was replaced.
"""

import pytest
from django.test import override_settings

from tests.races.support import Held, everything_opens, fill, is_locked, rotate, wait_until_done
from vault.models import RotationJob, VaultKey

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]

KINDS = ["rewrap", "reencrypt"]


@pytest.mark.parametrize("kind", KINDS)
def test_upload_held_before_its_commit_while_a_rotation_runs_to_the_end(celery_worker_process, alice, kind):
    """Rows: file create; rotation start; rotation finish. Issue 13, defect 1."""
    vaulted = fill(alice)
    client = vaulted.unlock()
    celery_worker_process.start()
    with Held("file.create.commit", run=lambda: vaulted.add_file(client, 99)) as held:
        wait_until_done(rotate(vaulted.unlock(), kind), celery_worker_process)
        assert list(VaultKey.objects.values_list("version", flat=True)) == [2]  # v1 is gone
        held.release()
    everything_opens(vaulted)


@pytest.mark.parametrize("kind", KINDS)
def test_record_create_held_before_its_commit_while_a_rotation_runs_to_the_end(celery_worker_process, alice, kind):
    """Rows: record create; rotation finish."""
    vaulted = fill(alice)
    client = vaulted.unlock()
    celery_worker_process.start()
    with Held("record.create.commit", run=lambda: vaulted.add_record(client, 99)) as held:
        wait_until_done(rotate(vaulted.unlock(), kind), celery_worker_process)
        held.release()
    everything_opens(vaulted)


@pytest.mark.parametrize("kind", KINDS)
def test_record_update_held_with_a_key_set_from_before_the_rotation(celery_worker_process, alice, kind):
    """Rows: record update; unlock-session refresh; rotation item step; rotation finish."""
    vaulted = fill(alice)
    client = vaulted.unlock()
    record_id = next(iter(vaulted.records))
    etag = client.get(f"/api/v1/records/{record_id}/")["ETag"]

    def edit():
        response = client.patch(f"/api/v1/records/{record_id}/", {"label": "edited"}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        vaulted.records[record_id] = ("edited", vaulted.records[record_id][1])

    celery_worker_process.start()
    with Held("record.update.begin", run=edit) as held:
        wait_until_done(rotate(vaulted.unlock(), kind), celery_worker_process)
        held.release()
    everything_opens(vaulted)


def test_upload_held_while_the_server_keyring_rotates_and_the_old_key_retires(celery_worker_process, alice, settings):
    """Rows: file create; server-key rewrap (server shares and a rotation job's sealed keys)."""
    from vault.keyring import get_key_provider
    from vault.rotation_server import server_keys_rotate, server_keys_status

    vaulted = fill(alice)
    client = vaulted.unlock()
    old_keyring = settings.COFFER_SERVER_KEYS
    job_id = rotate(vaulted.unlock(), "reencrypt")  # no worker yet: its keys sit sealed under the old server key
    new_key = "3:" + "Zm9yLXRoaXMtdGVzdC1vbmx5LXNlcnZlci1rZXktdjM="
    with Held("file.create.commit", run=lambda: vaulted.add_file(client, 99)) as held:
        with override_settings(COFFER_SERVER_KEYS=f"{new_key},{old_keyring}"):
            result = server_keys_rotate()
            assert result.to_version == 3 and not result.failed_vault_ids
            assert server_keys_status().pending == 0
        held.release()
    # Versions 1 and 2 retire: nothing may still need them.
    with override_settings(COFFER_SERVER_KEYS=new_key):
        assert get_key_provider().versions == [3]
        celery_worker_process.start(COFFER_SERVER_KEYS=new_key)
        wait_until_done(job_id, celery_worker_process)
        everything_opens(vaulted)


def test_pin_change_held_before_its_commit_while_a_rotation_starts_and_finishes(celery_worker_process, alice):
    """Rows: PIN change; rotation start; rotation finish. Issue 13, defect 2."""
    vaulted = fill(alice)
    bystander = vaulted.unlock()
    celery_worker_process.start()

    def change_pin():
        response = vaulted.client().post("/api/v1/vault/pin", {"pin": vaulted.pin, "new_pin": "730194"}, format="json")
        assert response.status_code == 204, response.content
        vaulted.pin = "730194"

    with Held("vault.pin_change.commit", run=change_pin) as held:
        wait_until_done(rotate(vaulted.unlock(), "rewrap"), celery_worker_process)
        held.release()
    assert vaulted.pin == "730194"
    assert is_locked(bystander), "a session of the old PIN still reads"
    everything_opens(vaulted)


def test_recovery_held_before_its_commit_while_a_rotation_starts_and_finishes(celery_worker_process, alice):
    """Rows: recovery; rotation start; rotation finish. Issue 13, defect 3."""
    vaulted = fill(alice)
    bystander = vaulted.unlock()
    celery_worker_process.start()

    def recover():
        response = vaulted.client().post(
            "/api/v1/vault/recover", {"recovery_code": vaulted.recovery_code, "new_pin": "730194"}, format="json"
        )
        assert response.status_code == 200, response.content
        vaulted.pin, vaulted.recovery_code = "730194", response.json()["recovery_code"]

    with Held("vault.recover.commit", run=recover) as held:
        wait_until_done(rotate(vaulted.unlock(), "reencrypt"), celery_worker_process)
        held.release()
    assert vaulted.pin == "730194"
    assert is_locked(bystander), "a session of the old PIN still reads"
    everything_opens(vaulted)


def test_a_new_recovery_code_held_before_its_commit_while_a_rotation_starts_and_finishes(celery_worker_process, alice):
    """Rows: new recovery code; rotation start; rotation finish. The new code seals the
    versions that exist at its commit, so it opens what the rotation moved."""
    vaulted = fill(alice)
    celery_worker_process.start()
    old_code = vaulted.recovery_code

    def new_code():
        response = vaulted.client().post("/api/v1/vault/recovery-code", {"pin": vaulted.pin}, format="json")
        assert response.status_code == 200, response.content
        vaulted.recovery_code = response.json()["recovery_code"]

    with Held("vault.recovery_code_new.commit", run=new_code) as held:
        wait_until_done(rotate(vaulted.unlock(), "reencrypt"), celery_worker_process)
        held.release()
    assert vaulted.recovery_code != old_code
    refused = vaulted.client().post("/api/v1/vault/recover", {"recovery_code": old_code, "new_pin": "591846"},
                                    format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "invalid_recovery_code"
    everything_opens(vaulted)


def test_a_new_recovery_code_held_while_the_pin_changes_answers_409_and_keeps_the_old_code(alice):
    """Rows: new recovery code; PIN change. The PIN it was asked with is no longer the PIN."""
    vaulted = fill(alice, records=2, files=1)
    old_pin, old_code = vaulted.pin, vaulted.recovery_code

    def new_code():
        return vaulted.client().post("/api/v1/vault/recovery-code", {"pin": old_pin}, format="json")

    with Held("vault.recovery_code_new.commit", run=new_code) as held:
        changed = vaulted.client().post("/api/v1/vault/pin", {"pin": old_pin, "new_pin": "730194"}, format="json")
        late = held.release()
    assert changed.status_code == 204, changed.content
    vaulted.pin = "730194"
    assert late.status_code == 409 and late.json()["code"] == "vault_changed"
    assert vaulted.recovery_code == old_code
    everything_opens(vaulted)


@pytest.mark.parametrize("held_side", ["pin_change", "recovery"])
def test_pin_change_and_recovery_racing_leave_one_newest_pin_and_code(alice, held_side):
    """Rows: PIN change; recovery. The held one commits second: a recovery still wins
    (the code proves the owner), a PIN change from the replaced PIN answers 409."""
    vaulted = fill(alice, records=2, files=1)
    bystander = vaulted.unlock()
    old_pin, old_code = vaulted.pin, vaulted.recovery_code

    def change_pin():
        return vaulted.client().post("/api/v1/vault/pin", {"pin": old_pin, "new_pin": "730194"}, format="json")

    def recover():
        return vaulted.client().post("/api/v1/vault/recover", {"recovery_code": old_code, "new_pin": "591846"}, format="json")

    first, second = (change_pin, recover) if held_side == "pin_change" else (recover, change_pin)
    with Held(f"vault.{'pin_change' if held_side == 'pin_change' else 'recover'}.commit", run=first) as held:
        done = second()
        late = held.release()
    recovered = late if held_side == "recovery" else done
    changed = done if held_side == "recovery" else late
    assert recovered.status_code == 200, recovered.content
    vaulted.pin, vaulted.recovery_code = "591846", recovered.json()["recovery_code"]
    if held_side == "pin_change":
        assert changed.status_code == 409 and changed.json()["code"] == "vault_changed"
    else:
        assert changed.status_code == 204  # it ran first; the recovery then replaced its PIN
    assert vaulted.client().post("/api/v1/vault/unlock", {"pin": "730194"}, format="json").status_code == 403
    assert is_locked(bystander)
    everything_opens(vaulted)


def test_two_rotations_back_to_back_from_one_session_with_a_real_worker(celery_worker_process, alice):
    """Rows: rotation start; unlock-session refresh; rotation finish."""
    vaulted = fill(alice)
    client = vaulted.unlock()
    celery_worker_process.start()
    for kind in ("rewrap", "reencrypt", "rewrap"):
        wait_until_done(rotate(client, kind), celery_worker_process)
    assert list(VaultKey.objects.values_list("version", flat=True)) == [4]
    everything_opens(vaulted)


def test_two_rotations_back_to_back_from_one_session_with_eager_celery(alice, settings):
    """Issue 13, defect 5: under `make run` the job finishes inside the start's commit."""
    from coffer.celery import app

    vaulted = fill(alice)
    client = vaulted.unlock()
    app.conf.task_always_eager = True
    try:
        for kind in ("rewrap", "reencrypt"):
            assert RotationJob.objects.get(pk=rotate(client, kind)).state == "done"
    finally:
        app.conf.task_always_eager = False
    assert list(VaultKey.objects.values_list("version", flat=True)) == [3]
    everything_opens(vaulted)


def test_a_file_deleted_while_reencrypt_copies_it_does_not_fail_the_job(alice):
    """Rows: rotation item step. Found by the soak: the copy met the deleted file's missing
    object ("object missing", a permanent fault) and failed the whole job."""
    from files.models import File
    from vault.models import RotationItem
    from vault.rotation.services import rotation_step

    vaulted = fill(alice, records=1, files=3)
    job_id = rotate(vaulted.unlock(), "reencrypt")

    def drive():
        while not rotation_step(job_id=job_id, budget_seconds=5).finished:
            pass

    with Held("file.rotation.copy", run=drive) as held:
        # A step copies several files at once: any one held at its copy will do.
        item = RotationItem.objects.filter(job_id=job_id, item_kind="file", state="pending", new_blob_key__gt="").first()
        assert vaulted.unlock().delete(f"/api/v1/files/{item.item_id}/").status_code == 204
        assert not File.objects.filter(pk=item.item_id).exists()
        vaulted.files.pop(item.item_id)
        held.release()
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", job.errors
    everything_opens(vaulted)


def test_a_step_that_sees_the_last_leased_item_finish_elsewhere_looks_again(alice):
    """Rows: rotation item step. Found by the soak: two workers on one job; one saw a leased
    item, the other finished it, and the first took min() of nothing (ValueError), which
    stalled the job until beat re-drove it."""
    from datetime import timedelta

    from django.utils import timezone

    from vault.models import RotationItem
    from vault.rotation.services import _after_step

    vaulted = fill(alice, records=1, files=0)
    job_id = rotate(vaulted.unlock(), "rewrap")
    job = RotationJob.objects.get(pk=job_id)
    RotationItem.objects.filter(job=job).update(lease_until=timezone.now() + timedelta(minutes=1))  # leased elsewhere
    with Held("rotation.after_step.expiry", run=lambda: _after_step(job)) as held:
        RotationItem.objects.filter(job=job).update(state="done", lease_until=None)  # ... and finished there
        result = held.release()
    assert not result.finished and result.retry_in == 0
