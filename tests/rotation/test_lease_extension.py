"""A long item's lease is extended as the work goes on, so it never lapses mid-work, but
written only once half of it is gone: a 4 MiB block costs no database write."""

from datetime import timedelta

import pytest
from django.utils import timezone

from files.models import File
from vault.models import RotationItem, RotationJob
from vault.rotation.services import _claim, item_extend_lease

URL = "/api/v1/vault/rotations/"


@pytest.fixture
def claimed(unlocked_alice, settings, time_machine):
    settings.COFFER_ROTATION_LEASE_SECONDS, settings.COFFER_ROTATION_STALE_SECONDS = 120, 300
    time_machine.move_to(timezone.now(), tick=False)
    response = unlocked_alice.client.post("/api/v1/files/", data=b"%PDF-1.7\n" + b"x" * 70_000,
                                          content_type="application/pdf", HTTP_X_FILENAME="scan.pdf")
    assert response.status_code == 201, response.content
    job = RotationJob.objects.get(pk=unlocked_alice.client.post(URL, {"kind": "reencrypt"}, format="json").json()["id"])
    assert File.objects.count() == 1
    item = _claim(job)
    assert item is not None and item.item_kind == "file"
    return job, item


def _stored(item: RotationItem):
    return RotationItem.objects.get(pk=item.pk).lease_until


def test_the_lease_is_not_written_while_more_than_half_of_it_is_left(claimed, time_machine):
    job, item = claimed
    leased, progressed = _stored(item), RotationJob.objects.get(pk=job.pk).progressed_at

    time_machine.shift(timedelta(seconds=59))
    item_extend_lease(item)

    assert _stored(item) == leased
    assert RotationJob.objects.get(pk=job.pk).progressed_at == progressed


def test_the_lease_is_extended_once_half_of_it_is_gone_and_never_lapses(claimed, time_machine):
    job, item = claimed
    for _ in range(10):  # twenty minutes of work on one item, a call every 30 s
        time_machine.shift(timedelta(seconds=30))
        item_extend_lease(item)
        now = timezone.now()
        assert _stored(item) - now >= timedelta(seconds=60), "the lease came within half of lapsing"
        assert _stored(item) == item.lease_until
    assert RotationJob.objects.get(pk=job.pk).progressed_at >= timezone.now() - timedelta(seconds=60)
    assert _claim(job) is None  # still leased: no other worker can take it


def test_the_heartbeat_moves_at_least_every_half_staleness_threshold(claimed, settings, time_machine):
    # A lease longer than the staleness threshold must not let the job look stuck.
    job, item = claimed
    settings.COFFER_ROTATION_LEASE_SECONDS, settings.COFFER_ROTATION_STALE_SECONDS = 600, 60
    for _ in range(8):
        time_machine.shift(timedelta(seconds=20))
        item_extend_lease(item)
        assert timezone.now() - RotationJob.objects.get(pk=job.pk).progressed_at <= timedelta(seconds=30)
