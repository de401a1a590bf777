"""Build the configured blob store from Django settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from storage.base import BlobStore
from storage.fs import FileSystemStore
from storage.s3 import (
    CHECKSUMS,
    DEFAULT_PART_SIZE,
    DEFAULT_UPLOAD_CONCURRENCY,
    MIN_AWS_PART_SIZE,
    S3Store,
)

BACKENDS = ("fs", "s3")
# An export holds every file of a vault plus its records, sealed: the stream format adds
# 16 bytes per 64 KiB chunk and age as much again; 1 % covers that and the archive.
OBJECT_OVERHEAD = 1.01


@dataclass(frozen=True)
class StoreSettings:
    """The settings a store depends on; hashable, so it can key the cache."""

    backend: str
    blob_root: Path | None
    s3_endpoint_url: str
    s3_region: str
    s3_bucket: str
    s3_access_key: str
    s3_secret_key: str
    s3_part_size: int
    s3_checksum: str
    s3_upload_concurrency: int = DEFAULT_UPLOAD_CONCURRENCY
    largest_object: int = 0  # the most bytes one blob may need to hold (an export of a full vault)


def get_store() -> BlobStore:
    from django.conf import settings

    return _build_store(
        StoreSettings(
            backend=getattr(settings, "COFFER_STORAGE", "fs"),
            blob_root=_optional_path(getattr(settings, "COFFER_BLOB_ROOT", None)),
            s3_endpoint_url=getattr(settings, "COFFER_S3_ENDPOINT_URL", ""),
            s3_region=getattr(settings, "COFFER_S3_REGION", "us-east-1"),
            s3_bucket=getattr(settings, "COFFER_S3_BUCKET", ""),
            s3_access_key=getattr(settings, "COFFER_S3_ACCESS_KEY", ""),
            s3_secret_key=getattr(settings, "COFFER_S3_SECRET_KEY", ""),
            s3_part_size=int(getattr(settings, "COFFER_S3_PART_SIZE", DEFAULT_PART_SIZE)),
            s3_checksum=getattr(settings, "COFFER_S3_CHECKSUM", "md5"),
            s3_upload_concurrency=int(
                getattr(settings, "COFFER_S3_UPLOAD_CONCURRENCY", DEFAULT_UPLOAD_CONCURRENCY)
            ),
            largest_object=int(getattr(settings, "COFFER_USER_QUOTA_BYTES", 0)),
        )
    )


# Keyed by the settings themselves, so a test that overrides them gets a fresh
# store while the app shares one store (and one connection pool) per process.
@lru_cache(maxsize=8)
def _build_store(config: StoreSettings) -> BlobStore:
    if config.backend == "fs":
        if config.blob_root is None:
            raise ImproperlyConfigured("COFFER_BLOB_ROOT must be set for COFFER_STORAGE=fs")
        return FileSystemStore(config.blob_root)
    if config.backend == "s3":
        if not config.s3_bucket:
            raise ImproperlyConfigured("COFFER_S3_BUCKET must be set for COFFER_STORAGE=s3")
        if config.s3_part_size < MIN_AWS_PART_SIZE:
            # AWS would only refuse at the end of the first large upload; fail at start.
            raise ImproperlyConfigured("COFFER_S3_PART_SIZE must be at least 5 MiB")
        if config.s3_part_size * S3Store.max_parts < config.largest_object * OBJECT_OVERHEAD:
            # An export of a full vault would fail at its 10,001st part: say so at start.
            raise ImproperlyConfigured(
                "COFFER_S3_PART_SIZE is too small for COFFER_USER_QUOTA_BYTES: an object has at most "
                f"{S3Store.max_parts:,} parts, so raise it to at least "
                f"{-(-int(config.largest_object * OBJECT_OVERHEAD) // S3Store.max_parts):,} bytes"
            )
        if config.s3_upload_concurrency < 1:
            raise ImproperlyConfigured("COFFER_S3_UPLOAD_CONCURRENCY must be at least 1")
        if config.s3_checksum not in CHECKSUMS:
            raise ImproperlyConfigured(f"COFFER_S3_CHECKSUM must be one of {', '.join(CHECKSUMS)}")
        return S3Store(
            config.s3_bucket,
            endpoint_url=config.s3_endpoint_url or None,
            region=config.s3_region or None,
            access_key=config.s3_access_key or None,
            secret_key=config.s3_secret_key or None,
            part_size=config.s3_part_size,
            concurrency=config.s3_upload_concurrency,
            checksum=config.s3_checksum,
        )
    raise ImproperlyConfigured(f"COFFER_STORAGE must be one of {', '.join(BACKENDS)}")


def _optional_path(value: object) -> Path | None:
    return Path(str(value)) if value else None
