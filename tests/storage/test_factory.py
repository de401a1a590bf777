"""get_store builds the store the settings ask for, once per configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django import Settings

from storage.factory import get_store
from storage.fs import FileSystemStore
from storage.s3 import S3Store
from tests.fixtures.s3server import S3Server


@pytest.fixture
def fs_settings(settings: Settings, tmp_path: Path) -> Settings:
    settings.COFFER_STORAGE = "fs"
    settings.COFFER_BLOB_ROOT = tmp_path / "blobs"
    return settings


@pytest.fixture
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    settings.COFFER_STORAGE = "s3"
    settings.COFFER_S3_ENDPOINT_URL = s3_server.endpoint_url
    settings.COFFER_S3_REGION = s3_server.region
    settings.COFFER_S3_BUCKET = s3_server.create_bucket()
    settings.COFFER_S3_ACCESS_KEY = s3_server.access_key
    settings.COFFER_S3_SECRET_KEY = s3_server.secret_key
    settings.COFFER_S3_PART_SIZE = 5 * 1024 * 1024
    return settings


def test_it_builds_a_filesystem_store_at_the_blob_root(
    fs_settings: Settings, tmp_path: Path
) -> None:
    store = get_store()

    assert isinstance(store, FileSystemStore)
    assert store.root == tmp_path / "blobs"


def test_it_builds_a_working_s3_store(s3_settings: Settings) -> None:
    store = get_store()
    key = store.new_key()
    store.put(key, [b"ciphertext"])

    assert isinstance(store, S3Store)
    assert store.bucket == s3_settings.COFFER_S3_BUCKET
    assert store.part_size == 5 * 1024 * 1024
    assert store.read_range(key, 0, 100) == b"ciphertext"


def test_it_reuses_one_store_while_the_settings_stay_the_same(fs_settings: Settings) -> None:
    assert get_store() is get_store()


def test_it_builds_a_fresh_store_when_the_settings_change(
    fs_settings: Settings, tmp_path: Path
) -> None:
    first = get_store()
    fs_settings.COFFER_BLOB_ROOT = tmp_path / "elsewhere"

    second = get_store()

    assert second is not first
    assert isinstance(second, FileSystemStore)
    assert second.root == tmp_path / "elsewhere"


def test_it_refuses_an_unknown_backend(settings: Settings) -> None:
    settings.COFFER_STORAGE = "ftp"

    with pytest.raises(ImproperlyConfigured, match="COFFER_STORAGE"):
        get_store()


def test_it_refuses_an_s3_store_without_a_bucket(s3_settings: Settings) -> None:
    s3_settings.COFFER_S3_BUCKET = ""

    with pytest.raises(ImproperlyConfigured, match="COFFER_S3_BUCKET"):
        get_store()


def test_it_refuses_parts_smaller_than_s3_allows(s3_settings: Settings) -> None:
    s3_settings.COFFER_S3_PART_SIZE = 1024 * 1024

    with pytest.raises(ImproperlyConfigured, match="COFFER_S3_PART_SIZE"):
        get_store()


def test_it_sends_as_many_parts_at_once_as_the_settings_say(s3_settings: Settings) -> None:
    s3_settings.COFFER_S3_UPLOAD_CONCURRENCY = 3

    assert get_store().concurrency == 3


def test_it_refuses_a_part_size_too_small_for_an_export_of_a_full_vault(s3_settings: Settings) -> None:
    # 10,000 parts of 5 MiB hold 48.8 GiB; a vault of 50 GiB, sealed, would need more.
    s3_settings.COFFER_USER_QUOTA_BYTES = 50 * 1024**3

    with pytest.raises(ImproperlyConfigured, match="COFFER_S3_PART_SIZE is too small for COFFER_USER_QUOTA_BYTES"):
        get_store()
    s3_settings.COFFER_S3_PART_SIZE = 6 * 1024 * 1024
    assert get_store().part_size == 6 * 1024 * 1024


def test_it_refuses_no_parts_in_flight(s3_settings: Settings) -> None:
    s3_settings.COFFER_S3_UPLOAD_CONCURRENCY = 0

    with pytest.raises(ImproperlyConfigured, match="COFFER_S3_UPLOAD_CONCURRENCY"):
        get_store()
