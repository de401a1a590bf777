"""Each file whose object is missing, truncated or has a damaged header is named by id,
on the filesystem and on S3, and nothing else is."""

from consistency.services import consistency_check
from files.models import File
from vault.crypto import stream

from .conftest import wrong_ids


def test_a_missing_object_is_named_by_its_file_id(world):
    missing = world.alice.file_ids[0]
    world.backend.store.delete(world.file(missing).blob_key)
    report = consistency_check()
    assert wrong_ids(report) == {"file_object_exists": [missing]}
    # A missing object is not also counted as a wrong size or header.
    assert report["file_object_exists"].checked == 3 and report["file_object_size"].checked == 2


def test_a_truncated_object_is_named_as_the_wrong_size(world):
    truncated = world.alice.file_ids[0]
    world.backend.rewrite(world.file(truncated).blob_key, lambda data: data[: -stream.SEALED_CHUNK_SIZE])
    assert wrong_ids(consistency_check()) == {"file_object_size": [truncated]}


def test_one_extra_byte_is_a_wrong_size_too(world):
    grown = world.bob.file_ids[0]
    world.backend.rewrite(world.file(grown).blob_key, lambda data: data + b"\0")
    assert wrong_ids(consistency_check()) == {"file_object_size": [grown]}


def test_a_damaged_version_byte_is_named_as_a_bad_header(world):
    damaged = world.alice.file_ids[1]
    world.backend.rewrite(world.file(damaged).blob_key, lambda data: b"\x02" + data[1:])
    report = consistency_check()
    assert wrong_ids(report) == {"file_object_header": [damaged]}
    assert report["file_object_header"].checked == 3


def test_a_row_whose_sizes_no_stream_can_have_is_a_wrong_size(world):
    # The object is untouched; the row disagrees with the format (a hand-edited or half-restored row).
    odd = world.bob.file_ids[0]
    File.objects.filter(pk=odd).update(plaintext_size=1)
    assert wrong_ids(consistency_check()) == {"file_object_size": [odd]}


def test_several_breakages_are_each_named_under_their_own_check(world):
    missing, truncated, damaged = world.alice.file_ids[0], world.alice.file_ids[1], world.bob.file_ids[0]
    world.backend.store.delete(world.file(missing).blob_key)
    world.backend.rewrite(world.file(truncated).blob_key, lambda data: data[:100])
    world.backend.rewrite(world.file(damaged).blob_key, lambda data: b"\0" + data[1:])
    report = consistency_check(stream_batch=1, workers=2)
    assert wrong_ids(report) == {"file_object_exists": [missing], "file_object_size": [truncated],
                                 "file_object_header": [damaged]}
    assert not report.clean and report.wrong == 3


def test_ids_beyond_the_cap_are_counted_but_not_listed(world):
    for file_id in world.alice.file_ids + world.bob.file_ids:
        world.backend.store.delete(world.file(file_id).blob_key)
    report = consistency_check(max_ids=2)
    result = report["file_object_exists"]
    assert result.wrong == 3 and len(result.ids) == 2
    assert set(result.ids) < set(world.alice.file_ids + world.bob.file_ids)
