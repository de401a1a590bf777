"""The end of a soak: let everything settle, collect garbage, then check every item.

Runs in the driver process with Django set up on the soak's database (for the key
version and blob checks); items are read back through the API, as a user would.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from dataclasses import dataclass, field

from .api import Api, Tally, error_code, retry_until_answered
from .pins import PinKeeper
from .stack import Stack
from .state import VaultState

SETTLE_SECONDS = 600.0


@dataclass
class Findings:
    items_checked: int = 0
    lost: set[str] = field(default_factory=set)
    orphans: int = 0
    missing_blobs: int = 0
    bad_key_versions: int = 0
    inconsistent: int = 0  # what `manage.py check_consistency` found wrong
    gc_deleted: int = 0
    failed_jobs: int = 0
    stuck_jobs: int = 0
    passes: int = 0


def settle(stack: Stack, tally: Tally, vaults: list[VaultState], findings: Findings) -> None:
    """Every service up, every rotation job ended `done`, then blob GC with zero grace."""
    from coffer.celery import app
    from vault.models import RotationJob

    started = stack.ensure_running()
    if started:
        print(f"soak: settle: started {', '.join(started)} again", flush=True)
    restarted_failed: set[str] = set()
    deadline = time.monotonic() + SETTLE_SECONDS
    next_redrive = 0.0
    while time.monotonic() < deadline:
        if not RotationJob.objects.filter(state=RotationJob.State.RUNNING).exists():
            newly_failed = _failed_latest_jobs(exclude=restarted_failed)
            if not newly_failed:
                break
            # A failed job keeps its old key versions: resume it (or, failing that, start a rewrap).
            for job in newly_failed:
                restarted_failed.add(str(job.pk))
                findings.failed_jobs += 1
                tally.note(f"rotation job {job.pk} ({job.kind}) ended failed: {str(job.errors)[:300]}")
                _resume(stack, tally, vaults, job)
            continue
        if time.monotonic() >= next_redrive:
            stack.ensure_running()
            app.send_task("vault.tasks.rotation_redrive", kwargs={"all_running": True}, queue=stack.queue)
            next_redrive = time.monotonic() + 15
        time.sleep(1)
    else:
        findings.stuck_jobs = RotationJob.objects.filter(state=RotationJob.State.RUNNING).count()
        tally.note(f"{findings.stuck_jobs} rotation jobs still running after {SETTLE_SECONDS:.0f}s")
    for job in RotationJob.objects.filter(state=RotationJob.State.FAILED).exclude(pk__in=restarted_failed):
        # Failed during the run, and taken over by a later job since: still a finding.
        findings.failed_jobs += 1
        tally.note(f"rotation job {job.pk} ({job.kind}) ended failed during the run: {str(job.errors)[:300]}")
    # Zero retention too: the stack runs production settings, which keep unreferenced
    # objects 30 days for restores; the check wants everything unreferenced gone now.
    output = stack.manage("gc_blobs", "--grace-seconds", "0", "--retention-seconds", "0")
    match = re.search(r"deleted (\d+) orphans", output)
    findings.gc_deleted = int(match.group(1)) if match else -1


def _failed_latest_jobs(*, exclude: set[str]):
    from vault.models import RotationJob

    latest = {}
    for job in RotationJob.objects.select_related("vault__user").order_by("created_at"):
        latest[job.vault_id] = job
    return [job for job in latest.values() if job.state == RotationJob.State.FAILED and str(job.pk) not in exclude]


def _resume(stack: Stack, tally: Tally, vaults: list[VaultState], job) -> None:
    vault = next(v for v in vaults if v.username == job.vault.user.username)
    api = Api(stack.base_url, vault.token, tally)
    PinKeeper(vault, api, tally, random.Random()).unlock_with(vault.pin)
    for path, body in ((f"/api/v1/vault/rotations/{job.pk}/resume", None), ("/api/v1/vault/rotations/", {"kind": "rewrap"})):
        response = retry_until_answered(lambda: api.call("POST", path, json=body), tally, f"settle {path}")
        if response.status_code in (200, 202):
            return
        tally.note(f"settle: POST {path} answered {response.status_code} {error_code(response)}")


def check_database(findings: Findings, tally: Tally) -> None:
    """No key version referenced that does not exist; every object referenced; every
    reference backed by an object."""
    from files.models import File
    from records.models import Record
    from storage.factory import get_store
    from vault.models import Vault, VaultKey

    for vault in Vault.objects.all():
        versions = set(VaultKey.objects.filter(vault=vault).values_list("version", flat=True))
        if vault.user_keys_vk_version not in versions:
            findings.bad_key_versions += 1
            tally.note(f"vault {vault.pk}: the user keypairs are wrapped under v{vault.user_keys_vk_version}, "
                       f"which does not exist (versions {sorted(versions)})")
        for model in (Record, File):
            bad = model.objects.filter(owner_id=vault.user_id).exclude(vault_key_version__in=versions).count()
            if bad:
                findings.bad_key_versions += bad
                tally.note(f"{bad} {model.__name__} rows of vault {vault.pk} refer to a vault key version "
                           f"that does not exist (versions {sorted(versions)})")
    from consistency.services import consistency_check

    report = consistency_check()
    findings.inconsistent = report.wrong
    for name, result in report.checks.items():
        if result.wrong:
            tally.note(f"check_consistency: {name}: {result.wrong} wrong, e.g. {result.ids[:3]}")
    stored = {blob.key for blob in get_store().list_blobs()}
    referenced = set(File.objects.values_list("blob_key", flat=True))
    findings.orphans = len(stored - referenced)
    findings.missing_blobs = len(referenced - stored)
    for key in sorted(referenced - stored)[:5]:
        file = File.objects.get(blob_key=key)
        tally.note(f"file {file.pk} points to a missing object")


def check_items(stack: Stack, tally: Tally, vault: VaultState, findings: Findings, how: str) -> None:
    """Reads back every record and file the driver knows (and those whose create was
    unanswered, if they exist) with a fresh session opened by `vault.pin`."""
    api = Api(stack.base_url, vault.token, tally)
    if not PinKeeper(vault, api, tally, random.Random()).unlock_with(vault.pin):
        tally.note(f"{vault.username}: the newest PIN ({how}) does not open the vault")
        findings.lost.update(vault.records, vault.files)
        return
    findings.passes += 1

    def get(path: str, **kwargs):
        return retry_until_answered(lambda: api.call("GET", path, **kwargs), tally, f"check {path}")

    records_by_label = {item["label"]: item["id"] for item in _all(get, "/api/v1/records/")}
    files_by_name = {item["filename"]: item["id"] for item in _all(get, "/api/v1/files/")}
    for record_id, state in vault.records.items():
        _check_record(get, tally, findings, record_id, state.label, state.data, how)
    for label, data in vault.unsure_records.items():
        if label in records_by_label:
            _check_record(get, tally, findings, records_by_label[label], label, data, how)
    known_files = {file_id: state.body for file_id, state in vault.files.items()}
    for filename, state in vault.unsure_files.items():
        if filename in files_by_name:
            known_files[files_by_name[filename]] = state.body
    for file_id, body in known_files.items():
        findings.items_checked += 1
        response = get(f"/api/v1/files/{file_id}/content")
        if response.status_code != 200 or hashlib.sha256(response.content).hexdigest() != body.sha256:
            findings.lost.add(file_id)
            tally.note(f"file {file_id} ({body.size} bytes) does not read back ({how}): "
                       f"{response.status_code} {error_code(response)}")
    unknown = set(files_by_name.values()) - set(known_files)
    if unknown:
        tally.note(f"{vault.username}: {len(unknown)} files the driver never uploaded")


def _check_record(get, tally, findings, record_id, label, data, how) -> None:
    findings.items_checked += 1
    response = get(f"/api/v1/records/{record_id}/?reveal=true")
    body = response.json() if response.status_code == 200 else {}
    if (body.get("label"), body.get("data")) != (label, data):
        findings.lost.add(record_id)
        tally.note(f"record {record_id} does not read back ({how}): {response.status_code} {error_code(response)}")


def _all(get, path: str) -> list[dict]:
    items, offset = [], 0
    while True:
        page = get(f"{path}?limit=200&offset={offset}").json()
        items.extend(page["results"])
        if not page.get("next"):
            return items
        offset += len(page["results"])


def recover_for_check(stack: Stack, tally: Tally, vault: VaultState) -> bool:
    """Recovers with the newest code (a new PIN and code), so the next pass proves the
    recovery code opens everything. False if no code is known (an unknown outcome)."""
    if vault.recovery_code is None:
        return False
    api = Api(stack.base_url, vault.token, tally)
    keeper = PinKeeper(vault, api, tally, random.Random())
    before = vault.epoch
    keeper.recover()
    return vault.epoch > before
