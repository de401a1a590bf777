"""The stored source (imports/source.py) and the job material (imports/material.py)."""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from datetime import timedelta

import pytest

from imports.material import (
    JobMaterial,
    decode_material,
    encode_material,
    new_material,
    open_material,
    seal_material,
    source_context,
)
from imports.models import ImportFile, ImportJob
from imports.source import SeekableSource, SourceTooLarge, SourceWriter, source_stream
from storage.factory import get_store
from tests.imports.conftest import fixture_bytes, upload
from vault.crypto.errors import IntegrityError
from vault.crypto.stream import CHUNK_SIZE
from vault.rotation.gc import gc_blobs

KEY = bytes(range(32))
CONTEXT = source_context(user_id=7, job_id="00000000-0000-4000-8000-000000000001")


def _stored(content: bytes) -> SourceWriter:
    writer = SourceWriter(get_store(), key=KEY, context=CONTEXT)
    for at in range(0, len(content), 100_000):
        writer.write(content[at : at + 100_000])
    writer.finish()
    return writer


def _seekable(writer: SourceWriter) -> SeekableSource:
    return SeekableSource(get_store(), writer.blob_key, key=KEY, context=CONTEXT,
                          ciphertext_size=writer.ciphertext_size, plaintext_size=writer.plaintext_size)


def test_it_stores_ciphertext_and_streams_the_plaintext_back():
    content = os.urandom(3 * CHUNK_SIZE + 17)
    writer = _stored(content)
    stored = get_store().read_range(writer.blob_key, 0, writer.ciphertext_size)
    assert content[:64] not in stored
    assert b"".join(source_stream(get_store(), writer.blob_key, key=KEY, context=CONTEXT,
                                  size=writer.ciphertext_size)) == content


def test_a_seekable_view_reads_any_range_and_serves_zipfile():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("data.json", b"{}")
        archive.writestr("attachments/x/big.pdf", os.urandom(40 * CHUNK_SIZE))
    writer = _stored(out.getvalue())
    view = _seekable(writer)
    view.seek(CHUNK_SIZE * 17 - 3)
    assert view.read(10) == out.getvalue()[CHUNK_SIZE * 17 - 3 : CHUNK_SIZE * 17 + 7]
    with zipfile.ZipFile(_seekable(writer)) as archive:
        assert archive.read("attachments/x/big.pdf") == zipfile.ZipFile(out).read("attachments/x/big.pdf")


def test_a_flipped_stored_byte_is_the_one_error():
    writer = _stored(os.urandom(2 * CHUNK_SIZE))
    blob = bytearray(get_store().read_range(writer.blob_key, 0, writer.ciphertext_size))
    blob[CHUNK_SIZE + 100] ^= 1
    get_store().put(writer.blob_key, [bytes(blob)])
    with pytest.raises(IntegrityError):
        b"".join(source_stream(get_store(), writer.blob_key, key=KEY, context=CONTEXT, size=writer.ciphertext_size))
    with pytest.raises(IntegrityError):
        _seekable(writer).read(3 * CHUNK_SIZE)


def test_a_source_over_the_limit_is_refused_and_nothing_stays(settings):
    writer = SourceWriter(get_store(), key=KEY, context=CONTEXT, max_bytes=1000)
    writer.write(b"x" * 1000)
    with pytest.raises(SourceTooLarge):
        writer.write(b"x")
    writer.discard()
    assert not get_store().exists(writer.blob_key)


def test_material_round_trips_and_is_read_strictly():
    material = JobMaterial(source_key=KEY, passphrase="pässphrase", vault_keys={3: secrets.token_bytes(32)})
    assert decode_material(encode_material(material)) == material
    assert decode_material(encode_material(new_material())).vault_keys == {}
    raw = encode_material(material)
    for bad in (b"", b"\x02" + raw[1:], raw[:-1], raw + b"\x00", raw[:33] + b"\xff\xff" + raw[35:]):
        with pytest.raises(IntegrityError):
            decode_material(bad)


def test_material_is_bound_to_its_job():
    version, sealed = seal_material("job-a", new_material("secret"))
    assert open_material("job-a", version, sealed).passphrase == "secret"
    with pytest.raises(IntegrityError):
        open_material("job-b", version, sealed)
    with pytest.raises(IntegrityError):
        open_material("job-a", version, b"")
    assert b"secret" not in sealed and repr(new_material("secret")).count("secret") == 0


def test_the_blob_collector_keeps_a_running_imports_source_and_staged_files(unlocked_alice):
    job = ImportJob.objects.get(pk=upload(unlocked_alice, fixture_bytes("cxf_every_field.json")).json()["id"])
    staged_key = get_store().new_key()
    get_store().put(staged_key, [b"ciphertext of a staged file"])
    ImportFile.objects.create(job=job, ref_digest="0" * 64, file_id="00000000-0000-4000-8000-00000000000a",
                              blob_key=staged_key, vault_key_version=1, wrapped_dek=b"w")
    gc_blobs(grace=timedelta(0), retain=timedelta(0))
    assert get_store().exists(job.source_blob_key) and get_store().exists(staged_key)
