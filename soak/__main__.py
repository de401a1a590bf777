"""`python -m soak`: start the stack, run clients while killing servers, check, report.

Environment:
  SOAK_KILLS          stop after this many kills (default 200; 0: no limit)
  SOAK_SECONDS        stop after this many seconds (default 0: no limit)
  SOAK_KILL_INTERVAL  mean seconds between kills (default 4.5)
  SOAK_VAULTS         users, each with a vault (default 3)
  SOAK_CLIENTS        client threads per vault (default 2)
  SOAK_FILE_CAP       files per vault before uploads turn into deletes (default 40)
  SOAK_RECORD_CAP     records per vault before creates turn into deletes (default 150)
  SOAK_SEED           the run's random seed (default: random; printed)
  SOAK_KEEP           1: keep the database and the work directory (logs) afterwards
  SOAK_SOURCE         tree (default): a snapshot of the working tree, tracked and untracked
                      files, taken at start; head: `git archive HEAD`. Either way, edits made
                      while the soak runs never reach the servers it restarts.
  SOAK_DATABASE_URL   an admin connection to PostgreSQL (default postgres://postgres@127.0.0.1:5432/postgres)
  SOAK_REDIS_CACHE_DB, SOAK_REDIS_BROKER_DB   Redis databases on 127.0.0.1:6379 (default 13 and 12)

Prints one summary line and exits 1 if anything was lost, orphaned or missing, or a
5xx came outside a kill.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .api import Api, Tally
from .check import Findings, check_database, check_items, recover_for_check, settle
from .client import Client
from .content import EXTENSION, new_body
from .killer import Killer
from .stack import ROOT, Stack, StackConfig
from .state import FileState, RecordState, VaultState, new_pin

ACCOUNT_SCOPES = ["records:read", "records:write", "files:read", "files:write", "vault:manage"]


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def snapshot_and_exec() -> None:
    """Copies the source into a new work directory and runs the soak from there."""
    work_dir = Path(tempfile.mkdtemp(prefix="coffer-soak-"))
    source = work_dir / "src"
    if (os.environ.get("SOAK_SOURCE") or "tree") == "head":
        source.mkdir()
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    else:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                                capture_output=True).stdout.decode().split("\0")
        for name in filter(None, listed):
            if (ROOT / name).is_file():
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, source / name)
    os.chdir(source)
    os.environ["SOAK_WORK_DIR"] = str(work_dir)
    os.execv(sys.executable, [sys.executable, "-m", "soak"])


def main() -> int:
    if not os.environ.get("SOAK_WORK_DIR"):
        snapshot_and_exec()
    seed = _int("SOAK_SEED", secrets.randbits(32))
    kills, seconds = _int("SOAK_KILLS", 200), _int("SOAK_SECONDS", 0)
    interval = float(os.environ.get("SOAK_KILL_INTERVAL") or 4.5)
    keep = os.environ.get("SOAK_KEEP") == "1"
    work_dir = Path(os.environ["SOAK_WORK_DIR"])
    config = StackConfig(
        work_dir=work_dir,
        postgres_url=os.environ.get("SOAK_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
        cache_db=_int("SOAK_REDIS_CACHE_DB", 13), broker_db=_int("SOAK_REDIS_BROKER_DB", 12),
    )
    print(f"soak: source={ROOT} seed={seed} kills={kills or 'unlimited'} seconds={seconds or 'unlimited'} "
          f"interval={interval}s work_dir={work_dir}", flush=True)
    rng = random.Random(seed)
    stack = Stack(config)
    tally = Tally()
    ok = False
    try:
        stack.create()
        stack.start_all()
        os.environ.update(stack.env)
        import django

        django.setup()
        vaults = [_new_vault(stack, tally, rng, n) for n in range(_int("SOAK_VAULTS", 3))]
        print(f"soak: stack up at {stack.base_url}; {len(vaults)} vaults seeded", flush=True)
        _soak(stack, tally, rng, vaults, kills=kills or None, seconds=seconds or None, interval=interval)
        ok = _finish(stack, tally, vaults)
    finally:
        from django.db import connections

        connections.close_all()
        stack.teardown(drop=not keep)
        if keep:
            print(f"soak: work directory {work_dir}, database {stack.db_name}", flush=True)
        else:
            # The logs stay (small, and no secret is in them); the source copy and the objects go.
            for bulky in ("src", "s3", "rclone-cache"):
                shutil.rmtree(work_dir / bulky, ignore_errors=True)
            print(f"soak: logs in {work_dir}", flush=True)
    return 0 if ok else 1


def _new_vault(stack: Stack, tally: Tally, rng: random.Random, n: int) -> VaultState:
    """A user with a token and a vault, seeded with a few records and files, over the API."""
    username, password = f"soak{n}@example.com", secrets.token_urlsafe(18)
    api = Api(stack.base_url, "", tally)
    api.session.headers.pop("Authorization")
    _expect(api.call("POST", "/_allauth/app/v1/auth/signup", json={"email": username, "password": password}), 200)
    issued = _expect(api.call("POST", "/api/v1/accounts/token", json={
        "username": username, "password": password, "name": "soak", "scopes": ACCOUNT_SCOPES}), 201)
    api = Api(stack.base_url, issued.json()["token"], tally)
    pin = new_pin(rng)
    setup = _expect(api.call("POST", "/api/v1/vault/setup", json={"pin": pin}), 201)
    vault = VaultState(username=username, token=issued.json()["token"], pin=pin,
                       recovery_code=setup.json()["recovery_code"], keeps_recovery_code=n == 0)
    api.unlock_secret = _expect(api.call("POST", "/api/v1/vault/unlock", json={"pin": pin}), 200).json()["unlock_secret"]
    for i in range(4):
        data = {"title": f"seed {i}", "text": f"seeded {rng.random()}"}
        label = f"soak-seed-{n}-{i}"
        created = _expect(api.call("POST", "/api/v1/records/", json={"kind": "note", "label": label, "data": data}), 201)
        vault.records[created.json()["id"]] = RecordState(label, data, created.headers["ETag"])
        body = new_body(rng)
        filename = f"soak-seed-{n}-{i}.{EXTENSION[body.content_type]}"
        uploaded = _expect(api.call("POST", "/api/v1/files/", data=body.bytes(),
                                    headers={"Content-Type": body.content_type, "X-Filename": filename}), 201)
        vault.files[uploaded.json()["id"]] = FileState(filename, body)
    return vault


def _expect(response, status: int | tuple[int, ...]):
    if response.status_code not in (status if isinstance(status, tuple) else (status,)):
        raise RuntimeError(f"setup: {response.request.method} {response.url} answered {response.status_code}")
    return response


def _soak(stack, tally, rng, vaults, *, kills, seconds, interval) -> None:
    stop = threading.Event()
    clients = [
        Client(f"{vault.username}/{i}", vault, Api(stack.base_url, vault.token, tally), tally,
               random.Random(rng.getrandbits(64)), stop,
               _int("SOAK_FILE_CAP", 40), _int("SOAK_RECORD_CAP", 150))
        for vault in vaults for i in range(_int("SOAK_CLIENTS", 2))
    ]
    threads = [threading.Thread(target=c.run, name=c.name, daemon=True) for c in clients]
    killer = Killer(stack, tally, random.Random(rng.getrandbits(64)), interval=interval, max_kills=kills)
    killer_thread = threading.Thread(target=killer.run, name="killer", daemon=True)
    for thread in [*threads, killer_thread]:
        thread.start()
    started = time.monotonic()
    next_report = started + 30
    while killer_thread.is_alive() and (seconds is None or time.monotonic() - started < seconds):
        time.sleep(0.5)
        if time.monotonic() >= next_report:
            next_report += 30
            _progress(tally, started)
    killer.stop.set()
    killer_thread.join()
    stop.set()
    for thread in threads:
        thread.join(timeout=400)
    if killer.failure is not None:
        raise RuntimeError(f"a service would not start again: {killer.failure}")
    _progress(tally, started)


def _progress(tally: Tally, started: float) -> None:
    c = tally.counts
    kills = c["kills_worker"] + c["kills_web"] + c["kills_s3"]
    print(f"soak: t={time.monotonic() - started:.0f}s kills={kills} operations={c['operations']} "
          f"uploads={c['uploads']} edits={c['record_edits']} pin_changes={c['pin_changes']} "
          f"recoveries={c['recoveries']} rotations={c['rotations_rewrap'] + c['rotations_reencrypt']} "
          f"findings={c['findings']}", flush=True)


def _finish(stack: Stack, tally: Tally, vaults: list[VaultState]) -> bool:
    findings = Findings()
    settle(stack, tally, vaults, findings)
    check_database(findings, tally)
    recovered_checks = 0
    for vault in vaults:
        check_items(stack, tally, vault, findings, "newest PIN")
        if recover_for_check(stack, tally, vault):
            recovered_checks += 1
            check_items(stack, tally, vault, findings, "newest recovery code")
    c = tally.counts
    outside = tally.errors_outside_kills()
    busy = [e for e in outside if e.code == "unlock_busy"]
    server_errors = [e for e in outside if e.code != "unlock_busy"]
    for error in server_errors[:10]:
        tally.note(f"5xx outside kills: {error.method} {error.route} {error.status} {error.code}")
    lost_outside = tally.lost_outside_kills()
    for _, _, what in lost_outside[:5]:
        tally.note(f"connection lost outside kills: {what}")
    print(f"soak: detail: uploads={c['uploads']} downloads={c['downloads']} "
          f"record_creates={c['record_creates']} record_edits={c['record_edits']} "
          f"record_deletes={c['record_deletes']} file_deletes={c['deletes']} "
          f"pin_changes={c['pin_changes']} recoveries={c['recoveries']} "
          f"rotations_rewrap={c['rotations_rewrap']} rotations_reencrypt={c['rotations_reencrypt']} "
          f"rotation_409={sum(v for k, v in c.items() if k.startswith('rotation_409'))} "
          f"relock_423={c['relock_423']} stale_etag_412={c['stale_etag_412']} "
          f"unknown_outcomes={c['unknown_outcomes']} unanswered={c['operations_unanswered']} "
          f"connections_lost={c['connections_lost']} (outside kills {len(lost_outside)}) "
          f"unlock_busy_503={len(busy)} sessions_outliving_secret={c['sessions_outliving_secret']} "
          f"failed_jobs={findings.failed_jobs} stuck_jobs={findings.stuck_jobs} "
          f"bad_key_versions={findings.bad_key_versions} inconsistent={findings.inconsistent} "
          f"gc_deleted={findings.gc_deleted} "
          f"check_passes={findings.passes} recovery_checked_vaults={recovered_checks}/{len(vaults)} "
          f"findings={c['findings']}", flush=True)
    for note in tally.notes:
        print(f"soak: finding: {note}", flush=True)
    kills = c["kills_worker"] + c["kills_web"] + c["kills_s3"]
    print(f"soak: kills={kills} (worker={c['kills_worker']} web={c['kills_web']} s3={c['kills_s3']}) "
          f"operations={c['operations']} items_checked={findings.items_checked} lost={len(findings.lost)} "
          f"orphans={findings.orphans} missing_blobs={findings.missing_blobs} "
          f"5xx={len(server_errors)} (outside kills)", flush=True)
    return not (findings.lost or findings.orphans or findings.missing_blobs or server_errors
                or findings.bad_key_versions or findings.stuck_jobs or findings.inconsistent)


if __name__ == "__main__":
    sys.exit(main())
