"""Blob storage: one small interface, a filesystem backend and an S3 backend."""

from storage.base import BlobInfo, BlobNotFound, BlobStore, InvalidBlobKey

__all__ = ["BlobInfo", "BlobNotFound", "BlobStore", "InvalidBlobKey"]
