"""Two uploads into one single scan role at once, held at the upload's commit seam
(coffer/seams.py) while the other runs to its end: one wins cleanly, nothing is orphaned."""

from __future__ import annotations

import pytest
from django.test import override_settings

from files.models import File
from tests.files.conftest import pdf
from tests.files.test_scan_roles import add_record, put_scan
from tests.races.support import Held

pytestmark = pytest.mark.usefixtures("transactional_db")

# The held side is already inside its seam; the other side, in this thread, must pass it.
seams_off = override_settings(COFFER_TEST_SEAMS=[])


@pytest.fixture
def scanning(alice, fs_backend):
    alice.setup_vault().unlock()
    record_id = add_record(alice.with_secret(alice.unlock_secret))
    return alice, record_id


def test_it_refuses_the_held_second_front_once_the_other_has_committed(scanning, fs_backend):
    alice, record_id = scanning
    with Held("file.create.commit", run=lambda: put_scan(alice.with_secret(alice.unlock_secret), record_id, "front",
                                                         pdf(5000, marker=b"held"))) as held:
        with seams_off:
            other = put_scan(alice.with_secret(alice.unlock_secret), record_id, "front", pdf(5000, marker=b"o"))
        assert other.status_code == 201, other.content
        response = held.release()
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "scan_role_taken"
    assert [str(pk) for pk in File.objects.filter(role="front").values_list("pk", flat=True)] == [other.json()["id"]]
    assert fs_backend.leftovers() == [f"object {File.objects.get().blob_key}"]


def test_it_lets_the_held_replacement_replace_the_one_that_committed_first(scanning, fs_backend):
    alice, record_id = scanning
    with Held("file.create.commit", run=lambda: put_scan(alice.with_secret(alice.unlock_secret), record_id, "selfie",
                                                         pdf(5000), method="PUT")) as held:
        with seams_off:
            other = put_scan(alice.with_secret(alice.unlock_secret), record_id, "selfie", pdf(5000), method="PUT")
        assert other.status_code == 201, other.content
        response = held.release()
    assert response.status_code == 201, response.content
    assert [str(pk) for pk in File.objects.values_list("pk", flat=True)] == [response.json()["id"]]
    # The first replacement's blob went the delete path once the second committed.
    assert fs_backend.leftovers() == [f"object {File.objects.get().blob_key}"]


@pytest.mark.slow
def test_a_replacement_held_before_its_commit_while_a_rotation_runs_to_the_end(celery_worker_process, alice):
    """docs/rotation.md, "The one lock": file create (with a role); rotation start; rotation finish."""
    import hashlib

    from tests.races.support import Vaulted, everything_opens, rotate, wait_until_done

    alice.setup_vault().unlock()
    vaulted = Vaulted(person=alice, pin=alice.pin, recovery_code=alice.recovery_code)
    client = vaulted.unlock()
    record_id = add_record(client)
    assert put_scan(client, record_id, "front", pdf(5000)).status_code == 201
    body = pdf(90_000, marker=b"replacement")
    celery_worker_process.start()
    with Held("file.create.commit", run=lambda: put_scan(client, record_id, "front", body, method="PUT")) as held:
        wait_until_done(rotate(vaulted.unlock(), "reencrypt"), celery_worker_process)
        response = held.release()
    assert response.status_code == 201, response.content
    assert list(File.objects.filter(record_id=record_id).values_list("role", flat=True)) == ["front"]
    vaulted.files[response.json()["id"]] = hashlib.sha256(body).hexdigest()
    everything_opens(vaulted)
