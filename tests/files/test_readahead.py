"""files.readahead.ReadAhead: in-order reads come from ranges fetched ahead."""

import os

import pytest

from files.readahead import ReadAhead, plan_ranges

MiB = 1024 * 1024


@pytest.fixture(params=["fs", "s3"])
def blob(request):
    store = request.getfixturevalue(f"{request.param}_store")
    data = os.urandom(20 * MiB + 123)
    key = store.new_key()
    store.put(key, [data])
    return store, key, data


def test_the_ranges_double_from_1_to_8_mib():
    sizes = [length for _, length in plan_ranges(0, 40 * MiB)]
    assert sizes == [MiB, 2 * MiB, 4 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, 8 * MiB, MiB]
    assert plan_ranges(10, 10) == [] and plan_ranges(5, 100) == [(5, 95)]


def test_in_order_reads_of_any_size_come_back_exact(blob):
    store, key, data = blob
    reader = ReadAhead(store, key, 1000, len(data), depth=3)
    offset = 1000
    for length in (49, 1_048_832, 3 * MiB, 5, 7 * MiB, len(data)):
        piece = reader.read_at(offset, length)
        assert piece == data[offset : offset + length]
        offset += len(piece)
    assert offset == len(data)
    reader.close()
    reader.close()


def test_a_read_out_of_order_goes_to_the_store(blob):
    store, key, data = blob
    reader = ReadAhead(store, key, 5 * MiB, 10 * MiB, depth=2)
    assert reader.read_at(0, 49) == data[:49]  # the header, outside the window
    assert reader.read_at(5 * MiB, 100) == data[5 * MiB : 5 * MiB + 100]
    reader.close()


def test_a_blob_shorter_than_the_window_gives_a_short_read(blob):
    store, key, data = blob
    reader = ReadAhead(store, key, 0, len(data) + 5 * MiB, depth=4)
    assert reader.read_at(0, len(data) + MiB) == data
    reader.close()
