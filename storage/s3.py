"""Blob store on an S3-compatible server, through boto3.

Uploads stream: memory holds at most `part_size * concurrency` bytes of the object,
whatever its size. Objects carry no metadata beyond their bytes.

Every PUT carries a checksum of its bytes, so that the server refuses a part
corrupted in transit at write time (the AEAD alone would catch it only at the next
read): Content-MD5 by default, which every S3 server checks, rclone included; or
CRC32 (checksum="crc32"), about six times cheaper to compute, for servers that check
x-amz-checksum-crc32 (AWS S3, MinIO). rclone serve s3 stores a CRC32 header without
checking it, so there CRC32 would check nothing (docs/storage.md, "Checksums").

Puts are not conditional (If-None-Match): rclone accepts the header and silently
overwrites anyway, so it would promise what some servers don't keep, and keys are
128 random bits, so two puts never meet under one key by chance.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.response import StreamingBody

from storage.base import (
    BlobInfo,
    BlobNotFound,
    MultipartGone,
    check_blob_key,
    check_range,
    is_blob_key,
    new_blob_key,
)

DEFAULT_PART_SIZE = 5 * 1024 * 1024
DEFAULT_UPLOAD_CONCURRENCY = 2  # parts in flight per upload
MIN_AWS_PART_SIZE = 5 * 1024 * 1024  # AWS rejects smaller parts, except the last
OCTET_STREAM = "application/octet-stream"
CHECKSUMS = ("md5", "crc32")
_NOT_FOUND = frozenset({"NoSuchKey", "NotFound", "404"})

logger = logging.getLogger(__name__)


def split_parts(chunks: Iterable[bytes], part_size: int) -> Iterator[tuple[bytearray, bool]]:
    """Re-cut chunks into (part, is_last) pairs of exactly part_size bytes.

    Only the last part may be shorter, and it is empty only when the input is.
    A full part is held back until more input shows that it is not the last, so
    the caller learns whether one single PUT will do before it sends anything.
    Each byte is copied once, into its part's buffer, and its chunk can be freed at
    once: a part in the making is held once (a chunk cut at a part's end is cut
    through a memoryview). A part is never written to after it is yielded; boto3
    takes a bytearray body as it takes bytes.
    """
    part = bytearray()
    for chunk in chunks:
        view = memoryview(chunk)
        while len(part) + len(view) > part_size:
            take = part_size - len(part)
            part += view[:take]
            yield part, False
            part, view = bytearray(), view[take:]
        part += view
    yield part, True


def make_client(
    *,
    endpoint_url: str | None,
    region: str | None,
    access_key: str | None,
    secret_key: str | None,
    max_connections: int,
) -> Any:
    config = Config(
        signature_version="s3v4",
        # Self-hosted servers (MinIO, rclone, Garage) rarely have wildcard DNS.
        s3={
            "addressing_style": "path" if endpoint_url else "auto",
            # Over HTTPS the part's checksum header and TLS guard the body, so botocore
            # need not also SHA-256 it for the signature (it still does over plain HTTP).
            "payload_signing_enabled": False,
        },
        retries={"mode": "standard"},
        max_pool_connections=max_connections,
        # botocore's own flexible checksums stay off: rclone replays the whole object's
        # CRC on a ranged GET, which botocore then rejects. S3Store sends the checksum
        # of each PUT itself, and the AEAD of the ciphertext guards what is read back.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        # None falls back to boto3's usual chain (environment, instance role).
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=config,
    )


class S3Store:
    max_parts = 10_000  # S3's own limit per upload

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        concurrency: int = DEFAULT_UPLOAD_CONCURRENCY,
        checksum: str = "md5",
        client: Any = None,
    ) -> None:
        if part_size < 1 or concurrency < 1:
            raise ValueError("part_size and concurrency must be positive")
        if checksum not in CHECKSUMS:
            raise ValueError(f"checksum must be one of {', '.join(CHECKSUMS)}")
        self.bucket = bucket
        self.checksum = checksum
        self.part_size = part_size
        self.concurrency = concurrency
        self.client = client or make_client(
            endpoint_url=endpoint_url,
            region=region,
            access_key=access_key,
            secret_key=secret_key,
            # One client per process, shared by its threads: a gunicorn worker's 4 threads
            # (each upload with `concurrency` parts, each download with its read-ahead), or a
            # rotation step's files at once (COFFER_ROTATION_FILE_CONCURRENCY). A connection
            # past the pool is opened, used once and dropped, with a warning.
            max_connections=max(32, 4 * (concurrency + 4)),
        )

    def new_key(self) -> str:
        return new_blob_key()

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        check_blob_key(key)
        parts = split_parts(chunks, self.part_size)
        first_part, is_last = next(parts)
        if is_last:
            # Smaller than a part: one PUT, which the server applies atomically.
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=first_part,
                ContentType=OCTET_STREAM,
                **self._checksum_of(first_part),
            )
            return len(first_part)
        parts = itertools.chain([(first_part, False)], parts)
        del first_part  # the chain holds it until it is uploaded, and no longer
        return self._put_multipart(key, parts)

    def read_range(self, key: str, start: int, length: int) -> bytes:
        body = self._get_range(key, start, length)
        if body is None:
            return b""
        with closing(body):
            data: bytes = body.read()
        return data

    def iter_range(
        self, key: str, start: int, length: int, block: int = 1 << 20
    ) -> Iterator[bytes]:
        if block <= 0:
            raise ValueError("block must be positive")
        body = self._get_range(key, start, length)  # now, so a missing key raises early
        if body is None:
            return iter(())
        return _stream(body, block)

    def size(self, key: str) -> int:
        check_blob_key(key)
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _NOT_FOUND:
                raise BlobNotFound(key) from None
            raise
        return int(response["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except BlobNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        check_blob_key(key)
        # S3 answers 204 for a missing key too, so this is idempotent as is.
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def list_blobs(self) -> Iterator[BlobInfo]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                if not is_blob_key(item["Key"]):
                    continue  # not ours: never offer a stranger's object to the collector
                yield BlobInfo(
                    key=item["Key"],
                    size=int(item["Size"]),
                    modified=item["LastModified"].astimezone(UTC),
                )

    def abort_stale_uploads(self, older_than: timedelta) -> int:
        # S3 dates an upload from its start, not its last part: older_than must
        # be longer than the slowest upload still worth finishing.
        cutoff = datetime.now(tz=UTC) - older_than
        stale = [
            upload
            for upload in self._multipart_uploads()
            if is_blob_key(upload["Key"]) and upload["Initiated"] < cutoff
        ]
        aborted = 0
        for upload in stale:
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
            except ClientError as error:
                if _error_code(error) != "NoSuchUpload":
                    raise
                continue  # finished or aborted meanwhile
            aborted += 1
        return aborted

    def _put_multipart(self, key: str, parts: Iterator[tuple[bytes | bytearray, bool]]) -> int:
        # An upload with CRC32 parts must say so at its start (S3 refuses the parts otherwise).
        algorithm = {"ChecksumAlgorithm": "CRC32"} if self.checksum == "crc32" else {}
        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=OCTET_STREAM, **algorithm
        )["UploadId"]
        try:
            uploaded, total = self._upload_parts(key, upload_id, parts)
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [uploaded[number] for number in sorted(uploaded)]},
            )
        except BaseException:
            self._abort(key, upload_id)
            raise
        return total

    def _upload_parts(
        self, key: str, upload_id: str, parts: Iterator[tuple[bytes | bytearray, bool]]
    ) -> tuple[dict[int, dict[str, Any]], int]:
        """Each part's entry for complete_multipart_upload, by number, and the bytes sent."""
        uploaded: dict[int, dict[str, Any]] = {}
        total = 0
        in_flight: set[Future[dict[str, Any]]] = set()

        def collect(done: set[Future[dict[str, Any]]]) -> None:
            for future in done:
                entry = future.result()  # re-raises a failed part
                uploaded[entry["PartNumber"]] = entry

        # Leaving the block waits for parts still in flight, even on error, so
        # none of them can land after the upload has been aborted.
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="s3-part") as pool:
            for number, (part, _) in enumerate(parts, start=1):
                if number > self.max_parts:
                    raise ValueError(
                        f"blob needs more than {self.max_parts} parts; raise part_size"
                    )
                total += len(part)
                in_flight.add(pool.submit(self._upload_part, key, upload_id, number, part))
                del part  # the in-flight future holds it; don't keep an extra copy alive
                # Wait for a free slot before reading the next part: together with
                # the part being filled, at most `concurrency` parts are in memory.
                if len(in_flight) >= self.concurrency:
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    collect(done)
            collect(wait(in_flight).done)
        return uploaded, total

    def _upload_part(self, key: str, upload_id: str, number: int, part: bytes | bytearray) -> dict[str, Any]:
        checksum = self._checksum_of(part)
        response = self.client.upload_part(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=part,
            **checksum,
        )
        entry = {"PartNumber": number, "ETag": response["ETag"]}
        if "ChecksumCRC32" in checksum:
            entry["ChecksumCRC32"] = checksum["ChecksumCRC32"]  # S3 checks the list against the parts
        return entry

    def _checksum_of(self, data: bytes | bytearray) -> dict[str, str]:
        """The PUT argument that makes the server check `data` on arrival."""
        if self.checksum == "crc32":
            return {"ChecksumCRC32": _crc32(data)}
        return {"ContentMD5": _md5(data)}

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except Exception:
            # The caller needs the original error, not this one; abort_stale_uploads
            # is the backstop that removes the upload later.
            logger.warning("could not abort multipart upload %s", upload_id, exc_info=True)

    # ---- a multipart upload kept open across requests (resumable uploads) ----

    def multipart_start(self, key: str) -> str:
        check_blob_key(key)
        algorithm = {"ChecksumAlgorithm": "CRC32"} if self.checksum == "crc32" else {}
        response = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=OCTET_STREAM, **algorithm
        )
        return str(response["UploadId"])

    def multipart_put(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        check_blob_key(key)
        if not 1 <= number <= self.max_parts:
            raise ValueError(f"part numbers run from 1 to {self.max_parts}")
        try:
            entry = self._upload_part(key, upload_id, number, data)
        except ClientError as error:
            if _error_code(error) == "NoSuchUpload":
                raise MultipartGone(upload_id) from None
            raise
        return json.dumps(entry, sort_keys=True)  # the part's entry for complete_multipart_upload

    def multipart_complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> int:
        check_blob_key(key)
        try:
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [json.loads(token) for _, token in parts]},
            )
        except ClientError as error:
            if _error_code(error) == "NoSuchUpload":
                raise MultipartGone(upload_id) from None
            raise
        return self.size(key)

    def multipart_abort(self, key: str, upload_id: str) -> None:
        check_blob_key(key)
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if _error_code(error) != "NoSuchUpload":
                raise

    def _get_range(self, key: str, start: int, length: int) -> StreamingBody | None:
        """The body of a ranged GET, or None when the range holds no bytes."""
        check_blob_key(key)
        check_range(start, length)
        if length == 0:
            self.size(key)  # still raise BlobNotFound for a missing key
            return None
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start}-{start + length - 1}"
            )
        except ClientError as error:
            code = _error_code(error)
            if code in _NOT_FOUND:
                raise BlobNotFound(key) from None
            if code == "InvalidRange":
                return None  # start is at or past the end (or the blob is empty)
            raise
        return response["Body"]

    def _multipart_uploads(self) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_multipart_uploads")
        try:
            for page in paginator.paginate(Bucket=self.bucket):
                yield from page.get("Uploads", [])
        except ClientError as error:
            # rclone answers NoSuchUpload for a bucket that has never had an upload.
            if _error_code(error) != "NoSuchUpload":
                raise


def _stream(body: StreamingBody, block: int) -> Iterator[bytes]:
    with closing(body):
        yield from body.iter_chunks(block)


def _md5(data: bytes | bytearray) -> str:
    # Content-MD5 is an integrity check in transit, not a security property.
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def _crc32(data: bytes | bytearray) -> str:
    # x-amz-checksum-crc32: the big-endian CRC32 (zlib's), in base64.
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
