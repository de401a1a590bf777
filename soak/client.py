"""A soak client: one thread, one unlock session, random operations on one vault.

Expected answers that are not errors: 423 `vault_locked` after another client's PIN
change or recovery (unlock again with the current PIN), 409 conflicts (a rotation
already running), 412 (a stale ETag), 503 `unlock_busy`, and lost connections while
a server is being killed. An operation whose answer was lost is resolved before the
client moves on (see docs/rotation.md, "Soak").
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid

from .api import Api, Lost, Tally, Unresolved, error_code, retry_until_answered, route_of
from .content import CHUNK, EXTENSION, new_body
from .pins import PinKeeper
from .state import FileState, RecordState, VaultState

FILES = "/api/v1/files/"
RECORDS = "/api/v1/records/"
class Client:
    WEIGHTS = {
        "upload": 18, "download": 22, "record_create": 10, "record_edit": 22, "record_read": 8,
        "pin_change": 4, "recover": 2, "rotate": 5,
    }

    def __init__(self, name: str, vault: VaultState, api: Api, tally: Tally, rng: random.Random,
                 stop: threading.Event, file_cap: int, record_cap: int):
        self.name, self.vault, self.api, self.tally, self.rng, self.stop = name, vault, api, tally, rng, stop
        self.file_cap, self.record_cap = file_cap, record_cap
        self.pins = PinKeeper(vault, api, tally, rng)
        self.operations = list(self.WEIGHTS)
        self.weights = [self.WEIGHTS[op] for op in self.operations]

    def run(self) -> None:
        while not self.stop.is_set():
            operation = self.rng.choices(self.operations, self.weights)[0]
            try:
                answered = getattr(self, operation)()
                if answered is not False:
                    self.tally.count("operations")
                    self.tally.count(f"op_{operation}")
            except (Lost, Unresolved):
                self.tally.count("operations_unanswered")
                time.sleep(0.2)
            except Exception as exc:  # a harness bug: report it and keep going
                self.tally.note(f"{self.name} {operation}: driver error {type(exc).__name__}: {exc}")
                time.sleep(0.5)

    # ---- requests that need the vault unlocked ----

    def request(self, method: str, path: str, **kwargs):
        """Sends with this client's unlock secret; unlocks again after a 423 (another
        client's PIN change or recovery ended this session)."""
        for _ in range(4):
            if self.api.unlock_secret is None:
                self.pins.unlock_current()
            started, epoch = time.monotonic(), self.pins.session_epoch
            response = self.api.call(method, path, **kwargs)
            if response.status_code == 423 and error_code(response) == "vault_locked":
                self.tally.count("relock_423")
                self.api.unlock_secret = None
                continue
            # A file's metadata answers without the vault's keys (no filename), so proves nothing.
            needs_keys = not (method == "GET" and path.startswith(FILES) and not path.endswith("/content"))
            if response.status_code < 300 and needs_keys:
                self.pins.check_session_ended(started, epoch, f"{method} {route_of(path)}")
            return response
        return response

    # ---- files ----

    def upload(self):
        with self.vault.lock:
            full = len(self.vault.files) >= self.file_cap
        if full:
            return self.delete_file()
        body = new_body(self.rng)
        filename = f"soak-{uuid.uuid4().hex}.{EXTENSION[body.content_type]}"
        state = FileState(filename, body)
        headers = {"Content-Type": body.content_type, "X-Filename": filename}
        try:
            response = self.request("POST", FILES, data=body.bytes(), headers=headers)
        except Lost:
            with self.vault.lock:
                self.vault.unsure_files[filename] = state
            raise
        if response.status_code == 201:
            with self.vault.lock:
                self.vault.files[response.json()["id"]] = state
            self.tally.count("uploads")
            self.tally.count("upload_bytes", body.size)
        elif response.status_code >= 500:
            with self.vault.lock:
                self.vault.unsure_files[filename] = state
        else:
            self.unexpected("upload", response)

    def download(self):
        with self.vault.item_lock(self.vault.files, self.rng) as file_id:
            if file_id is None:
                return False
            body = self.vault.files[file_id].body
            range_header, start, end = self.pick_range(body.size)
            headers = {"Range": range_header} if range_header else {}
            response = self.request("GET", f"{FILES}{file_id}/content", headers=headers)
            if response.status_code in (200, 206):
                expected = body.bytes()[start:end]
                if response.status_code == 200 and range_header:
                    expected = body.bytes()
                if hashlib.sha256(response.content).digest() != hashlib.sha256(expected).digest():
                    self.tally.note(f"download {file_id} {range_header or 'whole'}: wrong bytes")
                self.tally.count("downloads")
            elif response.status_code == 409 and error_code(response) == "integrity_error":
                # Damage is permanent; a read that raced a rotation's swap is not. Ask again.
                again = retry_until_answered(lambda: self.request("GET", f"{FILES}{file_id}/content"),
                                             self.tally, f"file {file_id} after a 409")
                lasting = again.status_code != 200 or hashlib.sha256(again.content).hexdigest() != body.sha256
                self.tally.count("download_integrity_errors" + ("" if lasting else "_transient"))
                self.tally.note(f"download {file_id} {range_header or 'whole'}: 409 integrity_error, "
                                + ("and again on a second read" if lasting else "but a second read was whole"))
            elif response.status_code < 500:
                self.unexpected("download", response)

    def pick_range(self, size: int) -> tuple[str | None, int, int]:
        roll = self.rng.random()
        if roll < 0.25 or size < 2:
            return None, 0, size
        if roll < 0.4:
            suffix = self.rng.randint(1, size)
            return f"bytes=-{suffix}", size - suffix, size
        if roll < 0.6 and size > CHUNK:
            boundary = CHUNK * self.rng.randint(1, size // CHUNK)
            first = max(0, boundary - self.rng.randint(0, 3))
            last = min(size - 1, boundary + self.rng.randint(0, 3))
            return f"bytes={first}-{last}", first, last + 1
        first = self.rng.randrange(size)
        if self.rng.random() < 0.3:
            return f"bytes={first}-", first, size
        last = self.rng.randrange(first, size)
        return f"bytes={first}-{last}", first, last + 1

    def delete_file(self):
        with self.vault.item_lock(self.vault.files, self.rng) as file_id:
            if file_id is None:
                return False
            try:
                response = self.request("DELETE", f"{FILES}{file_id}/")
            except Lost:
                response = None
            if response is None or response.status_code >= 500:
                probe = retry_until_answered(lambda: self.request("GET", f"{FILES}{file_id}/"), self.tally,
                                             f"file {file_id} after a lost delete")
                gone = probe.status_code == 404
            elif response.status_code == 204:
                gone = True
            else:
                self.unexpected("delete", response)
                return
            if gone:
                with self.vault.lock:
                    del self.vault.files[file_id]
                self.tally.count("deletes")

    # ---- records ----

    def record_create(self):
        with self.vault.lock:
            full = len(self.vault.records) >= self.record_cap
        if full:
            return self.record_delete()
        label = f"soak-{uuid.uuid4().hex}"
        data = {"title": f"note {self.rng.randint(0, 10**6)}", "text": self.text()}
        try:
            response = self.request("POST", RECORDS, json={"kind": "note", "label": label, "data": data})
        except Lost:
            with self.vault.lock:
                self.vault.unsure_records[label] = data
            raise
        if response.status_code == 201:
            with self.vault.lock:
                self.vault.records[response.json()["id"]] = RecordState(label, data, response.headers["ETag"])
            self.tally.count("record_creates")
        elif response.status_code >= 500:
            with self.vault.lock:
                self.vault.unsure_records[label] = data
        else:
            self.unexpected("record create", response)

    def record_delete(self):
        with self.vault.item_lock(self.vault.records, self.rng) as record_id:
            if record_id is None:
                return False
            state = self.vault.records[record_id]
            try:
                response = self.request("DELETE", f"{RECORDS}{record_id}/", headers={"If-Match": state.etag})
            except Lost:
                response = None
            if response is None or response.status_code >= 500:
                probe = retry_until_answered(lambda: self.request("GET", f"{RECORDS}{record_id}/?reveal=true"),
                                             self.tally, f"record {record_id} after a lost delete")
                gone = probe.status_code == 404
                if not gone:
                    self.verify_record(record_id, state, (state.data,))
            elif response.status_code == 204:
                gone = True
            elif response.status_code == 412:
                self.tally.count("stale_etag_412")
                self.verify_record(record_id, state, (state.data,))
                return
            else:
                self.unexpected("record delete", response)
                return
            if gone:
                with self.vault.lock:
                    del self.vault.records[record_id]
                self.tally.count("record_deletes")

    def record_edit(self):
        with self.vault.item_lock(self.vault.records, self.rng) as record_id:
            if record_id is None:
                return False
            state = self.vault.records[record_id]
            new_data = {**state.data, "text": self.text()}
            try:
                response = self.request("PATCH", f"{RECORDS}{record_id}/", json={"data": {"text": new_data["text"]}},
                                        headers={"If-Match": state.etag})
            except Lost:
                response = None
            if response is not None and response.status_code == 200:
                state.data, state.etag = new_data, response.headers["ETag"]
                self.tally.count("record_edits")
            elif response is not None and response.status_code == 412:
                self.tally.count("stale_etag_412")
                self.verify_record(record_id, state, (state.data,))
            elif response is not None and response.status_code == 409:
                self.tally.count("conflict_409")
            elif response is None or response.status_code >= 500:
                self.verify_record(record_id, state, (new_data, state.data))
            else:
                self.unexpected("record edit", response)

    def record_read(self):
        with self.vault.item_lock(self.vault.records, self.rng) as record_id:
            if record_id is None:
                return False
            self.verify_record(record_id, self.vault.records[record_id], (self.vault.records[record_id].data,))

    def verify_record(self, record_id: str, state: RecordState, candidates: tuple[dict, ...]) -> None:
        """Reads the record back; its data must be one of `candidates` (the first if an
        edit's answer was lost and it took effect)."""
        response = retry_until_answered(lambda: self.request("GET", f"{RECORDS}{record_id}/?reveal=true"),
                                        self.tally, f"record {record_id}")
        if response.status_code != 200:
            self.tally.note(f"record {record_id}: read answered {response.status_code} {error_code(response)}")
            return
        body = response.json()
        if body["label"] != state.label or body["data"] not in candidates:
            self.tally.note(f"record {record_id}: holds a value the driver never had confirmed")
            return
        state.data, state.etag = body["data"], response.headers["ETag"]

    def text(self) -> str:
        return "".join(self.rng.choice("abcdefghij ") for _ in range(self.rng.randint(0, 400)))

    # ---- keys ----

    def pin_change(self):
        self.pins.change_pin()

    def recover(self):
        if self.vault.keeps_recovery_code:
            return False
        return self.pins.recover()

    def rotate(self):
        kind = "reencrypt" if self.rng.random() < 0.3 else "rewrap"
        response = self.request("POST", "/api/v1/vault/rotations/", json={"kind": kind})
        if response.status_code == 202:
            self.tally.count(f"rotations_{kind}")
        elif response.status_code == 409:
            self.tally.count(f"rotation_409_{error_code(response)}")
            if error_code(response) == "stale_session":
                self.api.unlock_secret = None
        elif response.status_code < 500:
            self.unexpected("rotation", response)

    def unexpected(self, what: str, response) -> None:
        self.tally.count("unexpected_status")
        self.tally.note(f"{what}: unexpected {response.status_code} {error_code(response)}")
