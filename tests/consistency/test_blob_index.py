"""BlobIndex: the listing packed and sorted, looked up by key, whatever order it came in."""

import random
from datetime import UTC, datetime

from consistency.blob_index import BlobIndex
from storage.base import BlobInfo, new_blob_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _blobs(count: int) -> list[BlobInfo]:
    return [BlobInfo(key=new_blob_key(), size=random.randrange(1 << 40), modified=NOW) for _ in range(count)]


def test_every_listed_key_finds_its_size_in_any_order():
    blobs = _blobs(500)
    for listing in (blobs, sorted(blobs, key=lambda b: b.key)):
        index = BlobIndex(listing)
        assert len(index) == 500
        assert all(index.size(blob.key) == blob.size for blob in blobs)


def test_a_key_not_listed_is_none_even_between_or_beyond_listed_ones():
    index = BlobIndex(_blobs(50))
    assert index.size(new_blob_key()) is None
    assert index.size("0" * 32) is None and index.size("f" * 32) is None
    assert BlobIndex([]).size(new_blob_key()) is None
