"""An import holds a vault key for its whole run; a rotation would destroy the version it
wraps under (issue 13's class of bug). Each side refuses while the other runs, decided
under the vault lock; the races are held at seams (coffer/seams.py), never slept on."""

from __future__ import annotations

import pytest

from imports.models import ImportJob
from imports.worker import import_step
from records.models import Record
from tests.imports.conftest import confirm, fixture_bytes, revealed_records, upload
from tests.races.support import Held
from vault.models import RotationJob

ROTATIONS_URL = "/api/v1/vault/rotations/"


def _previewed(person) -> str:
    return upload(person, fixture_bytes("cxf_every_field.json")).json()["id"]


def test_a_rotation_cannot_start_while_an_import_runs(unlocked_alice):
    assert confirm(unlocked_alice, _previewed(unlocked_alice)).status_code == 202
    response = unlocked_alice.client.post(ROTATIONS_URL, {"kind": "rewrap"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "import_running"
    assert RotationJob.objects.count() == 0


def test_an_import_cannot_start_while_a_rotation_runs(unlocked_alice):
    job_id = _previewed(unlocked_alice)
    assert unlocked_alice.client.post(ROTATIONS_URL, {"kind": "rewrap"}, format="json").status_code == 202
    response = confirm(unlocked_alice.unlock(), job_id)
    assert response.status_code == 409 and response.json()["code"] == "rotation_running"
    assert ImportJob.objects.get(pk=job_id).state == "preview"


def test_only_one_import_runs_at_a_time(unlocked_alice):
    first, second = _previewed(unlocked_alice), _previewed(unlocked_alice)
    assert confirm(unlocked_alice, first).status_code == 202
    response = confirm(unlocked_alice, second)
    assert response.status_code == 409 and response.json()["code"] == "import_running"


@pytest.mark.usefixtures("transactional_db")
def test_a_confirm_held_before_the_lock_while_a_rotation_starts_is_refused(alice):
    alice.setup_vault().unlock()
    job_id = _previewed(alice)
    with Held("import.confirm.lock", run=lambda: confirm(alice, job_id)) as held:
        started = alice.with_secret(alice.unlock_secret).post(ROTATIONS_URL, {"kind": "rewrap"}, format="json")
        assert started.status_code == 202
        response = held.release()
    assert response.status_code == 409 and response.json()["code"] == "rotation_running"
    assert ImportJob.objects.get(pk=job_id).state == "preview"


@pytest.mark.usefixtures("transactional_db")
def test_a_rotation_asked_for_while_an_import_is_held_before_its_commit_is_refused(alice):
    alice.setup_vault().unlock()
    job_id = _previewed(alice)
    assert confirm(alice, job_id).status_code == 202
    with Held("import.commit.lock", run=lambda: import_step(job_id=job_id)) as held:
        refused = alice.client.post(ROTATIONS_URL, {"kind": "reencrypt"}, format="json")
        assert refused.status_code == 409 and refused.json()["code"] == "import_running"
        assert Record.objects.count() == 0  # nothing half-done while the commit waits
        held.release()
    assert ImportJob.objects.get(pk=job_id).state == "done"
    assert len(revealed_records(alice.unlock())) == 5
    # And now the rotation may start, and the imported records move with it.
    assert alice.client.post(ROTATIONS_URL, {"kind": "rewrap"}, format="json").status_code == 202


def test_an_export_cannot_start_while_an_import_runs(unlocked_alice):
    assert confirm(unlocked_alice, _previewed(unlocked_alice)).status_code == 202
    response = unlocked_alice.client.post("/api/v1/exports/", {"passphrase": "glacier-velvet-tundra-orbit"},
                                          format="json")
    assert response.status_code == 409 and response.json()["code"] == "import_running"


def test_an_import_cannot_start_while_an_export_runs(unlocked_alice):
    job_id = _previewed(unlocked_alice)
    started = unlocked_alice.client.post("/api/v1/exports/", {"passphrase": "glacier-velvet-tundra-orbit"},
                                         format="json")
    assert started.status_code == 202
    response = confirm(unlocked_alice, job_id)
    assert response.status_code == 409 and response.json()["code"] == "export_running"
