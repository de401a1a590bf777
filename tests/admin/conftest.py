"""Admin fixtures: a superuser, staff with chosen permissions, and a vault full of markers.

Markers are unique strings put into record labels and fields: no admin page or
export may show one. The secrets are every salt, wrapped key, ciphertext and
token hash in the database, and the secrets the users hold.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from tests.conftest import PASSWORD, Person, make_person
from tests.support.second_factor import give_totp

RECORDS_URL = "/api/v1/records/"
FILES_URL = "/api/v1/files/"
PASSPHRASE_PIN = "quartz-lantern-meadow-PIN-4c1e"


@pytest.fixture
def staff_factory(db):
    """A logged-in client for a staff member holding exactly these permissions ("app.codename")."""

    def make(username: str, *perms: str) -> Client:
        user = get_user_model().objects.create_user(username=username, password=PASSWORD, is_staff=True)
        give_totp(user)  # admins must have a second factor
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def staff_client(staff_factory) -> Client:
    """Staff with no permission at all."""
    return staff_factory("stan")


@dataclass
class FilledVault:
    person: Person
    markers: list[str] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)
    file_ids: list[str] = field(default_factory=list)
    held_secrets: dict[str, bytes | str] = field(default_factory=dict)

    def create_record(self, kind: str, label: str, data: dict) -> str:
        response = self.person.client.post(RECORDS_URL, {"kind": kind, "label": label, "data": data}, format="json")
        assert response.status_code == 201, response.content
        self.record_ids.append(response.json()["id"])
        return self.record_ids[-1]

    def upload_file(self, filename: str, content_marker: str, record_id: str | None = None) -> str:
        data = b"%PDF-1.7\n" + content_marker.encode() + os.urandom(100_000)
        headers = {"HTTP_X_FILENAME": filename, **({"HTTP_X_RECORD": record_id} if record_id else {})}
        response = self.person.client.generic("POST", FILES_URL, data, content_type="application/pdf", **headers)
        assert response.status_code == 201, response.content
        self.markers += [filename, content_marker]
        self.file_ids.append(response.json()["id"])
        return self.file_ids[-1]


def _new_person(username: str) -> Person:
    person = make_person(username)
    person.pin = PASSPHRASE_PIN
    return person.setup_vault().unlock()


@pytest.fixture
def filled_vault(db, settings, tmp_path) -> FilledVault:
    """Alice with records and files full of markers, and Bob with a vault and a rotation job of his own."""
    settings.COFFER_STORAGE = "fs"
    settings.COFFER_BLOB_ROOT = tmp_path / "blobs"
    filled = FilledVault(person=_new_person("alice"))
    for n in range(3):
        label, title, text = (f"MARKER-label-{n}-Zx8q", f"MARKER-title-{n}-Pw3k", f"MARKER-text-{n}-Hy6v")
        filled.markers += [label, title, text]
        filled.create_record("note", label, {"title": title, "text": text})
    filled.upload_file("MARKER-passport-scan-Jm4r.pdf", "MARKER-file-content-Tb9s")
    filled.upload_file("MARKER-bank-letter-Ck7w.pdf", "MARKER-file-content-Lf2d", record_id=filled.record_ids[1])
    # Reveal one, so the audit log holds reveals too.
    revealed = filled.person.client.get(f"{RECORDS_URL}{filled.record_ids[0]}/?reveal=true")
    assert revealed.status_code == 200
    bob = _new_person("bob")
    filled.markers.append("MARKER-bob-Vq2n")
    FilledVault(person=bob).create_record("note", "MARKER-bob-Vq2n", {"title": "MARKER-bob-Vq2n", "text": "x"})
    # A rotation job that stays running (no worker here), holding its sealed keys.
    started = bob.client.post("/api/v1/vault/rotations/", {"kind": "rewrap"}, format="json")
    assert started.status_code in (201, 202), started.content
    filled.held_secrets = {
        "alice's token": filled.person.token,
        "bob's token": bob.token,
        "alice's unlock secret": filled.person.unlock_secret,
        "bob's unlock secret": bob.unlock_secret,
        "alice's recovery code": filled.person.recovery_code.replace("-", ""),
        "PIN": PASSPHRASE_PIN,
        "password": PASSWORD,
    }
    return filled


@pytest.fixture
def celery_eager():
    """Run tasks in-process for this test (the admin enqueues them)."""
    from coffer.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before
