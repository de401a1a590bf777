"""Consistency fixtures: Alice and Bob with records and files on the store under test
(the filesystem, then a real S3 server), and what each holds that no report may show."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from files.models import File
from records.models import Record
from tests.conftest import Person, make_person
from tests.files.conftest import Backend, backend, fs_backend, pdf, upload_raw  # noqa: F401 (fixtures)
from vault.models import Vault

RECORDS_URL = "/api/v1/records/"
ROTATIONS_URL = "/api/v1/vault/rotations/"


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Holder:
    person: Person
    record_ids: list[str] = field(default_factory=list)
    file_ids: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)

    @property
    def vault(self) -> Vault:
        return Vault.objects.get(user=self.person.user)

    def add_record(self, label: str, text: str) -> str:
        response = self.person.client.post(
            RECORDS_URL, {"kind": "note", "label": label, "data": {"title": label, "text": text}}, format="json"
        )
        assert response.status_code == 201, response.content
        self.markers += [label, text]
        self.record_ids.append(response.json()["id"])
        return self.record_ids[-1]

    def add_file(self, size: int, filename: str, marker: str) -> str:
        response = upload_raw(self.person.client, pdf(size, marker=marker.encode()), filename=filename)
        assert response.status_code == 201, response.content
        self.markers += [filename, marker]
        self.file_ids.append(response.json()["id"])
        return self.file_ids[-1]


@dataclass
class World:
    backend: Backend
    alice: Holder
    bob: Holder

    def file(self, file_id: str) -> File:
        return File.objects.get(pk=file_id)

    def secrets(self) -> list[str]:
        """Everything a report must never show: plaintext, names, PINs, codes, keys wrapped or not."""
        found = [*self.alice.markers, *self.bob.markers]
        for holder in (self.alice, self.bob):
            found += [holder.person.pin, holder.person.recovery_code, holder.person.unlock_secret,
                      holder.person.token]
        blobs = [bytes(b) for row in Vault.objects.values_list(
            "wrapped_server_share", "kdf_salt", "wrapped_box_private_key", "wrapped_sign_private_key") for b in row]
        blobs += [bytes(b) for row in Record.objects.values_list("wrapped_dek", "ciphertext") for b in row]
        blobs += [bytes(b) for row in File.objects.values_list("wrapped_dek", "sealed_filename") for b in row]
        found += [b.hex() for b in blobs if b]
        return found


def _holder(username: str, prefix: str) -> Holder:
    holder = Holder(make_person(username).setup_vault().unlock())
    holder.add_record(f"{prefix} safe code", f"{prefix.upper()}-SAFE-771203")
    holder.add_record(f"{prefix} note", f"{prefix.upper()}-NOTE-55501")
    return holder


@pytest.fixture
def world(db, backend) -> World:
    alice, bob = _holder("alice", "alice-marker"), _holder("bob", "bob-marker")
    alice.add_file(150_000, "alice-scan-3-chunks.pdf", "alice-file-marker-1")
    alice.add_file(5_000, "alice-small.pdf", "alice-file-marker-2")
    bob.add_file(70_000, "bob-scan.pdf", "bob-file-marker-1")
    return World(backend, alice, bob)


@pytest.fixture
def fs_world(db, fs_backend) -> World:
    """The same world on the filesystem only, for what does not depend on the store."""
    alice, bob = _holder("alice", "alice-marker"), _holder("bob", "bob-marker")
    alice.add_file(150_000, "alice-scan-3-chunks.pdf", "alice-file-marker-1")
    bob.add_file(70_000, "bob-scan.pdf", "bob-file-marker-1")
    return World(fs_backend, alice, bob)


def wrong_ids(report) -> dict[str, list[str]]:
    """Each check that found something, with the ids it named."""
    return {name: sorted(result.ids) for name, result in report.checks.items() if result.wrong}
