"""A vault with records and files, on the filesystem and on S3, is reported clean, with every item counted."""

from consistency.report import CHECKS
from consistency.services import consistency_check

from .conftest import wrong_ids


def test_a_clean_world_is_reported_clean_with_every_item_counted(world):
    report = consistency_check(stream_batch=2, workers=3)
    assert report.clean and wrong_ids(report) == {}
    assert list(report.checks) == list(CHECKS)
    counted = {name: result.checked for name, result in report.checks.items()}
    assert counted == {
        "file_object_exists": 3, "file_object_size": 3, "file_object_header": 3,
        "record_key_version": 4, "file_key_version": 3, "user_keys_key_version": 2,
        "server_share_opens": 2, "rotation_job_state": 0,
    }


def test_an_object_no_row_names_is_not_a_problem_of_this_check(world):
    # Orphans are the blob GC's business; a row without its object is this check's.
    world.backend.store.put(world.backend.store.new_key(), [b"left over by a crash"])
    assert consistency_check().clean


def test_it_reads_a_batch_smaller_than_the_rows_and_one_larger_alike(world):
    small, large = consistency_check(stream_batch=1, workers=1), consistency_check(stream_batch=10_000, workers=8)
    assert small.counts() == large.counts() and small.clean and large.clean
