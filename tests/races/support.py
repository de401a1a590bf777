"""Holding one side of a race at its dangerous point, and checking what must hold after.

`Held(name)` takes the PostgreSQL advisory lock that the seam `name` (coffer/seams.py)
waits on, runs the held side in a thread, and returns once that thread is waiting at
the seam: seen in pg_locks, never guessed with a sleep. The test then runs the other
side to its end and calls `release()`.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

import psycopg
from django.db import connection, connections
from django.test import override_settings
from rest_framework.test import APIClient

from coffer.seams import seam_key
from files.models import File
from records.models import Record
from tests.fixtures.celery_worker import wait_for
from vault.models import RotationJob, Vault, VaultKey


def _dsn() -> str:
    db = connection.settings_dict
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"


class Held:
    """with Held("file.create.commit", run=lambda: ...) as held: ...; held.release(); held.result"""

    def __init__(self, name: str, run):
        self.name, self.run = name, run
        self.result = None
        self.error: BaseException | None = None
        self._override = override_settings(COFFER_TEST_SEAMS=[name])
        self._holder = None
        self._thread = threading.Thread(target=self._body, daemon=True)

    def _body(self) -> None:
        try:
            self.result = self.run()
        except BaseException as exc:  # re-raised in the test's thread by release()
            self.error = exc
        finally:
            connections.close_all()

    def __enter__(self) -> Held:
        self._override.enable()
        self._holder = psycopg.connect(_dsn(), autocommit=True)
        self._holder.execute("SELECT pg_advisory_lock(%s)", [seam_key(self.name)])
        self._thread.start()
        wait_for(self._waiting, timeout=60, interval=0.02, message=f"the held side to reach {self.name}")
        return self

    def _waiting(self) -> bool:
        if not self._thread.is_alive():
            raise AssertionError(f"the held side ended before reaching {self.name}: {self.error!r}")
        row = self._holder.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
            [seam_key(self.name) & 0xFFFFFFFF],
        ).fetchone()
        return row[0] > 0

    def release(self):
        if self._holder is not None:
            self._holder.execute("SELECT pg_advisory_unlock(%s)", [seam_key(self.name)])
        self._thread.join(timeout=120)
        assert not self._thread.is_alive(), f"the held side did not finish after {self.name}"
        if self.error is not None:
            raise self.error
        return self.result

    def __exit__(self, *exc) -> None:
        if self._holder is not None:
            self._holder.close()
            self._holder = None
        self._thread.join(timeout=5)
        self._override.disable()


# ---- the people and their things ----


@dataclass
class Vaulted:
    """What a test knows about one user's vault: the newest PIN and recovery code, and the originals."""

    person: object
    pin: str
    recovery_code: str
    records: dict[str, tuple[str, dict]] = field(default_factory=dict)  # id -> (label, data)
    files: dict[str, str] = field(default_factory=dict)  # id -> sha256 of the plaintext

    def client(self, unlock_secret: str | None = None) -> APIClient:
        return self.person.with_secret(unlock_secret)

    def unlock(self, pin: str | None = None) -> APIClient:
        response = self.client().post("/api/v1/vault/unlock", {"pin": pin or self.pin}, format="json")
        assert response.status_code == 200, response.content
        return self.client(response.json()["unlock_secret"])

    def add_record(self, client: APIClient, n: int) -> str:
        data = {"title": f"note {n}", "text": f"secret {n}"}
        response = client.post("/api/v1/records/", {"kind": "note", "label": f"label {n}", "data": data}, format="json")
        assert response.status_code == 201, response.content
        self.records[response.json()["id"]] = (f"label {n}", data)
        return response.json()["id"]

    def add_file(self, client: APIClient, n: int, size: int = 70_000) -> str:
        body = b"%PDF-1.7\n" + hashlib.sha256(str(n).encode()).digest() * (size // 32)
        response = client.post("/api/v1/files/", data=body, content_type="application/pdf", HTTP_X_FILENAME=f"scan {n}.pdf")
        assert response.status_code == 201, response.content
        self.files[response.json()["id"]] = hashlib.sha256(body).hexdigest()
        return response.json()["id"]


def fill(person, records: int = 3, files: int = 2) -> Vaulted:
    person.setup_vault().unlock()
    vaulted = Vaulted(person=person, pin=person.pin, recovery_code=person.recovery_code)
    client = person.with_secret(person.unlock_secret)
    for n in range(records):
        vaulted.add_record(client, n)
    for n in range(files):
        vaulted.add_file(client, n)
    return vaulted


def rotate(client: APIClient, kind: str) -> str:
    response = client.post("/api/v1/vault/rotations/", {"kind": kind}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def wait_until_done(job_id: str, worker=None) -> None:
    wait_for(lambda: RotationJob.objects.get(pk=job_id).state != "running", timeout=120, message="the job to end")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", (job.errors, worker.log()[-2000:] if worker else "")


# ---- what must hold after every race ----


def reads_everything(vaulted: Vaulted, client: APIClient) -> None:
    for record_id, (label, data) in vaulted.records.items():
        response = client.get(f"/api/v1/records/{record_id}/?reveal=true")
        assert response.status_code == 200, (record_id, response.content)
        assert (response.json()["label"], response.json()["data"]) == (label, data)
    for file_id, digest in vaulted.files.items():
        response = client.get(f"/api/v1/files/{file_id}/content")
        assert response.status_code == 200, (file_id, getattr(response, "content", b""))
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest


def no_version_missing(vaulted: Vaulted) -> None:
    vault = Vault.objects.get(user=vaulted.person.user)
    versions = set(VaultKey.objects.filter(vault=vault).values_list("version", flat=True))
    used = set(Record.objects.filter(owner=vaulted.person.user).values_list("vault_key_version", flat=True))
    used |= set(File.objects.filter(owner=vaulted.person.user).values_list("vault_key_version", flat=True))
    used.add(vault.user_keys_vk_version)
    assert used <= versions, f"rows name vault key versions {sorted(used - versions)} that do not exist"


def everything_opens(vaulted: Vaulted) -> None:
    """With the newest PIN, then with the newest recovery code (which it then replaces);
    and `manage.py check_consistency` finds nothing wrong."""
    from consistency.services import consistency_check

    report = consistency_check()
    assert report.clean, report.as_dict()
    no_version_missing(vaulted)
    reads_everything(vaulted, vaulted.unlock())
    new_pin = "602817" if vaulted.pin != "602817" else "715203"
    response = vaulted.client().post(
        "/api/v1/vault/recover", {"recovery_code": vaulted.recovery_code, "new_pin": new_pin}, format="json"
    )
    assert response.status_code == 200, response.content
    vaulted.pin, vaulted.recovery_code = new_pin, response.json()["recovery_code"]
    reads_everything(vaulted, vaulted.unlock())
    no_version_missing(vaulted)


def is_locked(client: APIClient) -> bool:
    return client.get("/api/v1/records/").status_code == 423
