"""A multipart upload kept open across calls (resumable uploads), on both stores."""

import pytest

from storage.base import MultipartGone


def test_parts_join_in_order_and_nothing_reads_before_the_end(store, leftovers):
    key = store.new_key()
    upload_id = store.multipart_start(key)
    second = store.multipart_put(key, upload_id, 2, b"world")
    first = store.multipart_put(key, upload_id, 1, b"hello ")
    assert not store.exists(key)
    assert store.multipart_complete(key, upload_id, [(1, first), (2, second)]) == 11
    assert store.read_range(key, 0, 100) == b"hello world"
    assert leftovers() == [f"object {key}"]


def test_a_part_put_again_with_the_same_bytes_is_accepted(store):
    """What a segment sent again does. (rclone refuses other bytes for a part it has streamed;
    Coffer never sends them: uploads.services claims each part's digest first.)"""
    key = store.new_key()
    upload_id = store.multipart_start(key)
    store.multipart_put(key, upload_id, 1, b"same bytes")
    token = store.multipart_put(key, upload_id, 1, b"same bytes")
    assert store.multipart_complete(key, upload_id, [(1, token)]) == 10
    assert store.read_range(key, 0, 100) == b"same bytes"


def test_abort_leaves_nothing_and_later_parts_are_refused(store, leftovers):
    key = store.new_key()
    upload_id = store.multipart_start(key)
    store.multipart_put(key, upload_id, 1, b"part")
    store.multipart_abort(key, upload_id)
    store.multipart_abort(key, upload_id)  # again: not an error
    with pytest.raises(MultipartGone):
        store.multipart_put(key, upload_id, 2, b"late")
    assert leftovers() == []


def test_an_open_upload_is_no_blob_for_the_collector(store):
    key = store.new_key()
    upload_id = store.multipart_start(key)
    store.multipart_put(key, upload_id, 1, b"part")
    assert key not in {info.key for info in store.list_blobs()}
    store.multipart_abort(key, upload_id)
