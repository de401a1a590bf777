"""What only the filesystem backend does: layout on disk, temp files, permissions."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from storage.base import InvalidBlobKey
from storage.fs import FileSystemStore


def test_it_fans_keys_out_into_two_levels_of_directories(fs_store: FileSystemStore) -> None:
    key = fs_store.new_key()

    fs_store.put(key, [b"ciphertext"])

    assert (fs_store.root / key[:2] / key[2:4] / key).read_bytes() == b"ciphertext"


def test_it_writes_to_a_temp_file_inside_the_root_first(fs_store: FileSystemStore) -> None:
    key = fs_store.new_key()
    seen_while_writing: list[list[Path]] = []

    def chunks() -> Iterator[bytes]:
        yield b"first half"
        seen_while_writing.append(list(fs_store.temp_dir.iterdir()))
        yield b"second half"

    fs_store.put(key, chunks())

    [temp_files] = seen_while_writing
    assert len(temp_files) == 1
    assert temp_files[0].parent == fs_store.root / ".tmp"
    assert list(fs_store.temp_dir.iterdir()) == []


def test_it_does_not_show_the_blob_until_the_write_completes(fs_store: FileSystemStore) -> None:
    key = fs_store.new_key()
    visible_while_writing: list[bool] = []

    def chunks() -> Iterator[bytes]:
        yield b"first half"
        visible_while_writing.append(fs_store.exists(key))
        yield b"second half"

    fs_store.put(key, chunks())

    assert visible_while_writing == [False]
    assert fs_store.exists(key)


def test_it_keeps_blobs_private_to_the_owner(fs_store: FileSystemStore) -> None:
    key = fs_store.new_key()
    fs_store.put(key, [b"ciphertext"])
    path = fs_store.root / key[:2] / key[2:4] / key

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(fs_store.temp_dir.stat().st_mode) == 0o700


def test_it_lists_only_its_own_blobs(fs_store: FileSystemStore) -> None:
    key = fs_store.new_key()
    fs_store.put(key, [b"ciphertext"])
    stray = fs_store.root / key[:2] / key[2:4]
    (stray / "notes.txt").write_text("not a blob")
    (stray / fs_store.new_key()).write_text("a key in the wrong directory")
    (fs_store.root / "README").write_text("not a blob")
    (fs_store.temp_dir / "upload.part").write_text("half a blob")

    assert [info.key for info in fs_store.list_blobs()] == [key]


def test_it_never_writes_outside_its_root(tmp_path: Path) -> None:
    store = FileSystemStore(tmp_path / "blobs")
    outside_before = sorted(tmp_path.iterdir())

    for key in ["../x", "../../x", str(tmp_path / "x")]:
        with pytest.raises(InvalidBlobKey):
            store.put(key, [b"x"])

    assert sorted(tmp_path.iterdir()) == outside_before
    assert not (tmp_path / "x").exists()


def test_it_spares_temp_files_that_are_still_being_written(
    fs_store: FileSystemStore,
) -> None:
    stale = fs_store.temp_dir / "stale.part"
    fresh = fs_store.temp_dir / "fresh.part"
    stale.write_bytes(b"old")
    fresh.write_bytes(b"new")
    an_hour_ago = stale.stat().st_mtime - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))

    assert fs_store.abort_stale_uploads(older_than=timedelta(minutes=30)) == 1
    assert list(fs_store.temp_dir.iterdir()) == [fresh]
