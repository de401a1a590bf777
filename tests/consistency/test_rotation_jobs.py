"""Rotation jobs: a running one whose sealed keys are gone or no longer open, a failed
one that is neither resumable nor closed, and a finished one that kept key material
are named by id; jobs that can go on, or are closed, are not."""

import pytest

from consistency.services import consistency_check
from vault.keyring import format_keyring, parse_keyring
from vault.models import RotationItem, RotationJob

from .conftest import ROTATIONS_URL, wrong_ids


@pytest.fixture
def running_job(fs_world) -> RotationJob:
    """Alice's rewrap, started with no worker: it stays running, its keys sealed to it."""
    from coffer.celery import app

    response = fs_world.alice.person.client.post(ROTATIONS_URL, {"kind": "rewrap"}, format="json")
    assert response.status_code == 202, response.content
    yield RotationJob.objects.get(pk=response.json()["id"])
    app.control.purge()  # the step it enqueued is for no worker


def test_a_running_job_with_its_sealed_keys_is_sound(running_job):
    report = consistency_check()
    assert report.clean and report["rotation_job_state"].checked == 1


def test_a_running_job_whose_sealed_keys_are_gone_is_named(running_job):
    RotationJob.objects.filter(pk=running_job.pk).update(sealed_keys=b"")
    assert wrong_ids(consistency_check()) == {"rotation_job_state": [str(running_job.pk)]}


def test_a_running_job_whose_keys_no_configured_server_key_opens_is_named(running_job, settings):
    assert running_job.sealed_keys_server_version == 2
    keys = parse_keyring(settings.COFFER_SERVER_KEYS)
    settings.COFFER_SERVER_KEYS = format_keyring({1: keys[1]})
    report = consistency_check()
    assert report["rotation_job_state"].ids == [str(running_job.pk)]


def test_a_failed_job_is_sound_while_resumable_and_once_closed(running_job):
    RotationJob.objects.filter(pk=running_job.pk).update(state=RotationJob.State.FAILED)
    assert RotationJob.objects.get(pk=running_job.pk).resumable
    assert consistency_check().clean
    # Closed the way a newer job closes it: no keys, every item done.
    RotationItem.objects.filter(job=running_job).update(state=RotationItem.State.DONE)
    RotationJob.objects.filter(pk=running_job.pk).update(sealed_keys=b"")
    assert consistency_check().clean


def test_a_failed_job_without_keys_but_with_open_items_is_named(running_job):
    assert RotationItem.objects.filter(job=running_job).exclude(state=RotationItem.State.DONE).exists()
    RotationJob.objects.filter(pk=running_job.pk).update(state=RotationJob.State.FAILED, sealed_keys=b"")
    assert wrong_ids(consistency_check()) == {"rotation_job_state": [str(running_job.pk)]}


def test_a_finished_job_that_kept_its_key_material_is_named(running_job):
    RotationJob.objects.filter(pk=running_job.pk).update(state=RotationJob.State.DONE)
    assert wrong_ids(consistency_check()) == {"rotation_job_state": [str(running_job.pk)]}
