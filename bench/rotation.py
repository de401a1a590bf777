"""Key rotation throughput: `rewrap` of 10,000 records by a real Celery worker that is
SIGKILLed in the middle, against the target of 1,000 items/s; the old one-at-a-time rate
as the baseline; and `reencrypt`.

    python bench/rotation.py [--records 10000] [--passports 200] [--files 16] [--file-size 1M]
                             [--baseline-seconds 8] [--kill-at 0.5] [--store fs|s3] [--runs rewrap,reencrypt]
    python bench/rotation.py --store s3 --runs reencrypt --records 0 --passports 0 --files 20 --file-size 10M

With the test settings (cheap Argon2id) on a fresh PostgreSQL database, Redis as the broker
(CELERY_BROKER_URL, else REDIS_URL, else db 15; a queue of this run's own) and the filesystem
blob store (or, with --store s3, `rclone serve s3` on loopback, as bench/files.py starts it). One user's vault holds --records records: --passports passports made through
records.services.record_create with reminders on (so their reminder rows move too), the
rest note records (0.1-2 KiB of text) sealed with the same functions and bulk-inserted;
and --files PDF files of --file-size, uploaded through the API (Django's test client).

1. baseline: a `rewrap` job driven in this process with COFFER_ROTATION_BATCH_SIZE=1, one
   item per transaction with a lease, as before batches, for --baseline-seconds; its rate is
   the items done in that time. The job is then finished in batches (not timed).
2. rewrap: a job started through the API, run by a real worker process (`celery worker
   --pool solo`, as in production but one process). At --kill-at of the items the worker
   gets SIGKILL; the items done by then must have their rows under the new version, and
   every record must still open. A new worker starts and finishes the job. `wall` counts
   from the start request to the job's end, the new worker's start-up included (the
   bench's own checks between the kill and that start left out); `working` also leaves
   out the new worker's start-up, until "ready." in its log.
3. reencrypt: a job driven in this process with the default batch size: records in
   batches, COFFER_ROTATION_FILE_CONCURRENCY files at once (a new blob each). With
   --store s3 it is compared with a raw copy of the same objects through boto3 (get, then
   put under a new key, one object after another), in MiB/s of file ciphertext;
   `cpu_seconds` is this process's CPU time for the job (the S3 server's not included).
   --store-latency-ms adds a wait to every S3 request of both, as a store across a network.

After each job every record opens to its original payload under the newest key only, and
every reminder row is under the newest version. Prints a table and writes
bench/results/rotation.json and docs/performance/rotation.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.files import PART_SIZE, database, human, parse_size, rclone_s3  # noqa: E402
from bench.plot import draw_rotation  # noqa: E402

MiB = 1024 * 1024
PIN = "482915"
TARGET = 1000.0  # items/s, issue 20


class Worker:
    """A real Celery worker process, as tests/fixtures/celery_worker.py starts one."""

    def __init__(self, log_path: Path, environment: dict[str, str]):
        self.log_path, self.environment, self.process = log_path, environment, None

    def start(self) -> float:
        self.log_path.write_bytes(b"")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "coffer", "worker", "--pool", "solo", "--concurrency", "1",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "-Q", self.environment["COFFER_CELERY_QUEUE"], "-n", f"bench{os.getpid()}-{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return time.perf_counter()

    def wait_ready(self, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return time.perf_counter()
            if self.process.poll() is not None:
                sys.exit(f"the worker ended: {self.log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.01)
        sys.exit("the worker did not start")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--passports", type=int, default=200)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--file-size", type=parse_size, default=MiB)
    parser.add_argument("--baseline-seconds", type=float, default=8.0)
    parser.add_argument("--kill-at", type=float, default=0.5)
    parser.add_argument("--store", choices=["fs", "s3"], default="fs")
    parser.add_argument("--runs", default="rewrap,reencrypt", help="which jobs to run (comma-separated)")
    parser.add_argument("--store-latency-ms", type=float, default=0.0,
                        help="added to every S3 request (Coffer's and the raw copy's), as a store across a network")
    args = parser.parse_args()
    args.runs = set(args.runs.split(","))

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-rotation-"))
    broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    with database("postgres", work_dir) as database_url:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "coffer.settings.test",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
            "COFFER_CELERY_QUEUE": f"coffer-bench-rotation-{os.getpid()}",
            "COFFER_CACHE_PREFIX": f"coffer-bench-rotation-{os.getpid()}",
            "COFFER_KDF_PROFILE": "test",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
            "COFFER_FILE_MAX_BYTES": str(max(args.file_size * 2, 64 * MiB)),
            "COFFER_USER_QUOTA_BYTES": str(40 * 1024 * MiB),  # fits 10,000 parts of 5 MiB
            "PYTHONUNBUFFERED": "1",
        }
        with ExitStack() as stack:
            if args.store == "s3":
                s3 = stack.enter_context(rclone_s3(work_dir))
                environment.update({
                    "COFFER_STORAGE": "s3", "COFFER_S3_ENDPOINT_URL": s3.endpoint_url, "COFFER_S3_BUCKET": s3.bucket,
                    "COFFER_S3_ACCESS_KEY": s3.access_key, "COFFER_S3_SECRET_KEY": s3.secret_key,
                    "COFFER_S3_PART_SIZE": str(PART_SIZE),
                })
            os.environ.update(environment)
            worker = Worker(work_dir / "worker.log", environment)
            try:
                result = run(args, worker, s3 if args.store == "s3" else None)
            finally:
                worker.stop()
                from django.db import connections

                connections.close_all()

    print(f"vault: {result['records']} records ({args.passports} passports with reminders) + {args.files} files of "
          f"{human(args.file_size)} ({result['content_bytes'] / MiB:.1f} MiB of ciphertext), PostgreSQL, {args.store} store, "
          f"{os.cpu_count()} cores")
    print(f"{'run':<34}{'items':>7}{'seconds':>9}{'items/s':>9}{'MiB/s':>8}{'target':>8}{'ratio':>7}  state")
    for row in result["runs"]:
        target = f"{row['target']:.0f}" if row.get("target") else "-"
        ratio = f"{row['ratio']:.2f}" if row.get("ratio") else "-"
        print(f"{row['label']:<34}{row['items']:>7}{row['seconds']:>9.2f}{row['items_per_second']:>9.1f}"
              f"{row['mib_per_second']:>8.2f}{target:>8}{ratio:>7}  {row['state']}")
    for row in result["runs"]:
        if "floor_mib_per_second" in row:
            print(f"{row['label']}: {row['file_mib_per_second']:.1f} MiB/s of files; raw copy "
                  f"{row['raw_copy_mib_per_second']:.1f} MiB/s (ratio {row['ratio']:.2f}); floor (read, open, seal, "
                  f"put, read back and open) {row['floor_mib_per_second']:.1f} MiB/s (ratio {row['ratio_to_floor']:.2f})")
    if kill := result.get("kill"):
        print(f"kill: SIGKILL at {kill['items_done_at_kill']} of {kill['items']} items done; the new worker was ready "
              f"after {kill['restart_seconds']:.2f} s; every record opened after the kill: {kill['all_open_after_kill']}; "
              f"items done with their row under the new version: {kill['done_items_moved']}")
    name = "rotation" if args.store == "fs" else "rotation-s3"
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    if args.store == "fs":
        draw_rotation(result)


def run(args, worker: Worker, s3) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Sum
    from rest_framework.test import APIClient

    from accounts.scopes import ALL_SCOPES
    from accounts.services import token_create
    from files.models import File
    from records.models import Record
    from reminders.models import Reminder
    from reminders.services import reminder_setting_update
    from vault.models import RotationJob
    from vault.rotation import services as rotation
    from vault.services import vault_keys

    call_command("migrate", "--noinput", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    settings.COFFER_FILE_MAX_BYTES = max(settings.COFFER_FILE_MAX_BYTES, args.file_size * 2)
    enqueue = rotation._enqueue

    user = get_user_model().objects.create_user(username="bench", password="unused-password-1")
    client = APIClient()
    token = token_create(user=user, name="b", scopes=list(ALL_SCOPES)).token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/vault/setup", {"pin": PIN}, format="json").status_code == 201

    def unlock():
        response = client.post("/api/v1/vault/unlock", {"pin": PIN}, format="json")
        assert response.status_code == 200, response.content
        secret = response.json()["unlock_secret"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_VAULT_UNLOCK=secret)
        return vault_keys(user=user, unlock_secret=secret)

    keys = unlock()
    reminder_setting_update(user=user, enabled=True)
    expected = fill(user, keys, args)
    for index in range(args.files):
        body = b"%PDF-1.7\n" + os.urandom(args.file_size - 9)
        response = client.generic("POST", "/api/v1/files/", body, content_type="application/pdf",
                                  HTTP_X_FILENAME=f"f{index}.pdf")
        assert response.status_code == 201, response.content
    content = (Record.objects.aggregate(s=Sum("ciphertext_size"))["s"] or 0) + \
              (File.objects.aggregate(s=Sum("ciphertext_size"))["s"] or 0)
    items = Record.objects.count() + File.objects.count()

    def start(kind: str) -> tuple[str, float]:
        response = client.post("/api/v1/vault/rotations/", {"kind": kind}, format="json")
        assert response.status_code == 202, response.content
        return response.json()["id"], time.perf_counter()

    def drive(job_id: str) -> None:
        while not rotation.rotation_step(job_id=job_id, budget_seconds=30).finished:
            pass

    def check(job_id: str) -> None:
        job = RotationJob.objects.get(pk=job_id)
        assert job.state == "done", (job.state, job.errors)
        assert set(Record.objects.values_list("vault_key_version", flat=True)) <= {job.target_version}
        assert set(File.objects.values_list("vault_key_version", flat=True)) <= {job.target_version}
        assert set(Reminder.objects.values_list("key_version", flat=True)) <= {job.target_version}
        assert every_record_opens(unlock(), expected), "a record did not open to its payload"

    def row(label, mode, job_id, seconds, done, **extra):
        job = RotationJob.objects.get(pk=job_id)
        return {"label": label, "mode": mode, "items": done, "seconds": round(seconds, 3), "state": job.state,
                "items_per_second": round(done / seconds, 1), "mib_per_second": round(content / MiB / seconds, 2),
                **extra}

    runs, kill = [], None
    if "rewrap" in args.runs:
        # 1. The baseline: one item per transaction, as before batches, for a fixed time.
        rotation._enqueue = lambda job_id, countdown=0: None
        settings.COFFER_ROTATION_BATCH_SIZE = 1
        job_id, began = start("rewrap")
        rotation.rotation_step(job_id=job_id, budget_seconds=args.baseline_seconds)
        seconds = time.perf_counter() - began
        runs.append(row("rewrap, one at a time (before)", "rewrap 1-by-1", job_id, seconds,
                        RotationJob.objects.get(pk=job_id).items_done))
        settings.COFFER_ROTATION_BATCH_SIZE = int(os.environ.get("COFFER_ROTATION_BATCH_SIZE", 500))
        drive(job_id)
        check(job_id)

        # 2. rewrap by a real worker, SIGKILLed in the middle.
        rotation._enqueue = enqueue
        from coffer.celery import app

        app.control.purge()
        worker.start()
        worker.wait_ready()
        job_id, began = start("rewrap")
        kill_after = int(items * args.kill_at)
        job = RotationJob.objects.get(pk=job_id)
        while job.items_done < kill_after and job.state == "running":
            time.sleep(0.005)
            job = RotationJob.objects.get(pk=job_id)
        assert job.state == "running", "the job ended before the kill"
        worker.kill()
        killed = time.perf_counter()
        job = RotationJob.objects.get(pk=job_id)
        done_at_kill = job.items_done
        moved = done_items_moved(job)
        all_open = every_record_opens(unlock(), expected)
        assert moved and all_open, "the kill lost something"
        spawned = worker.start()
        ready = worker.wait_ready()
        while RotationJob.objects.get(pk=job_id).state == "running":
            time.sleep(0.005)
        ended = time.perf_counter()
        worker.stop()
        check(job_id)
        # The bench's own checks between the kill and the new worker's start are left out;
        # the new worker's start-up is in.
        wall = (killed - began) + (ended - spawned)
        working = (killed - began) + (ended - ready)
        runs.append(row("rewrap, worker SIGKILLed (wall)", "rewrap (wall)", job_id, wall, items,
                        target=TARGET, ratio=round(items / wall / TARGET, 2)))
        runs.append(row("rewrap, worker SIGKILLed (working)", "rewrap", job_id, working, items,
                        target=TARGET, ratio=round(items / working / TARGET, 2)))
        kill = {"items": items, "items_done_at_kill": done_at_kill, "restart_seconds": round(ready - spawned, 3),
                "all_open_after_kill": all_open, "done_items_moved": moved}

    # 3. reencrypt, in this process.
    if "reencrypt" in args.runs:
        rotation._enqueue = lambda job_id, countdown=0: None
        file_bytes = File.objects.aggregate(s=Sum("ciphertext_size"))["s"] or 0
        if s3 is not None and args.store_latency_ms:
            from storage.factory import get_store

            add_latency(get_store().client, args.store_latency_ms)
        cpu_began = time.process_time()
        job_id, began = start("reencrypt")
        drive(job_id)
        seconds = time.perf_counter() - began
        extra = {"file_mib_per_second": round(file_bytes / MiB / seconds, 2),
                 "cpu_seconds": round(time.process_time() - cpu_began, 2),
                 "file_concurrency": settings.COFFER_ROTATION_FILE_CONCURRENCY}
        if s3 is not None:
            copy_seconds = raw_copy(s3, list(File.objects.values_list("blob_key", flat=True)), args.store_latency_ms)
            extra.update(raw_copy_mib_per_second=round(file_bytes / MiB / copy_seconds, 2),
                         ratio=round(copy_seconds / seconds, 2))
            floor_seconds = floor_reencrypt(unlock(), settings.COFFER_ROTATION_FILE_CONCURRENCY)
            extra.update(floor_mib_per_second=round(file_bytes / MiB / floor_seconds, 2),
                         ratio_to_floor=round(floor_seconds / seconds, 2))
        runs.append(row("reencrypt (in process)", "reencrypt", job_id, seconds, items, **extra))
        check(job_id)
    return {
        "records": args.records, "passports": args.passports, "files": args.files, "file_size": args.file_size,
        "content_bytes": content, "database": "postgres",
        "batch_size": settings.COFFER_ROTATION_BATCH_SIZE, "runs": runs, "kill": kill, "store": args.store,
        "store_latency_ms": args.store_latency_ms,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }


def add_latency(client, milliseconds: float) -> None:
    """Every request of this boto3 client waits first, as across a network to the store."""
    client.meta.events.register("before-send.s3", lambda **kwargs: time.sleep(milliseconds / 1000))


def floor_reencrypt(keys, concurrency: int) -> float:
    """Seconds for the work a file's reencrypt cannot skip, with nothing around it: each
    object read whole and opened, sealed under a new DEK, put (with the store's part
    checksums), read back and opened again (the verification of DESIGN §5), then
    dropped; `concurrency` files at once, as the job moves them. No lease, no row swap,
    no read-ahead, no audit: what the job adds is Coffer's distance to this floor."""
    from concurrent.futures import ThreadPoolExecutor

    from files.models import File
    from files.selectors import file_dek
    from files.services import _stream_context
    from storage.factory import get_store
    from vault.crypto.keys import new_key
    from vault.crypto.stream import StreamEncryptor, decrypt_stream

    store = get_store()

    def one(file) -> None:
        context = _stream_context(file)
        sealed = store.read_range(file.blob_key, 0, file.ciphertext_size)
        plaintext = b"".join(decrypt_stream(file_dek(file=file, keys=keys), context, [sealed]))
        dek, key = new_key(), store.new_key()
        encryptor = StreamEncryptor(dek, context)
        store.put(key, [*encryptor.chunks(plaintext), encryptor.finalize()])
        for _ in decrypt_stream(dek, context, [store.read_range(key, 0, file.ciphertext_size)]):
            pass
        store.delete(key)

    files = list(File.objects.all())
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - began


def raw_copy(s3, keys: list[str], latency_ms: float = 0.0) -> float:
    """Seconds to copy the objects through boto3: each read whole, then written under a new key."""
    client = s3.client()
    if latency_ms:
        add_latency(client, latency_ms)
    began = time.perf_counter()
    for key in keys:
        body = client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
        client.put_object(Bucket=s3.bucket, Key=f"raw-copy-{key}", Body=body)
    return time.perf_counter() - began


def fill(user, keys, args) -> dict[str, bytes]:
    """The vault's records; returns each record's encoded payload, to compare after each job."""
    import uuid

    from django.utils import timezone

    from records.models import Record
    from records.schemas import KINDS
    from records.sealing import Payload, encode_payload, new_dek, seal_payload, wrap_dek
    from records.services import record_create
    from tests.records.samples import valid

    expected = {}
    for index in range(args.passports):
        opened = record_create(owner=user, keys=keys, kind="passport", label=f"p{index}", data=valid("passport"))
        expected[str(opened.record.pk)] = encode_payload(opened.payload)
    rng = random.Random(9)
    note = KINDS["note"]
    rows = []
    for index in range(args.records - args.passports):
        text = "".join(rng.choice("abcdefghij klmnop") for _ in range(rng.randint(100, 2000)))
        raw = encode_payload(Payload(label=f"n{index}", data=note.validate({"title": f"t{index}", "text": text})))
        now, dek = timezone.now(), new_dek()
        record = Record(id=uuid.uuid4(), owner=user, kind=note.name, schema_version=note.schema_version,
                        created_at=now, updated_at=now, revision=1, dek_version=1,
                        vault_key_version=keys.current_version)
        # As record_create seals and wraps, without a transaction and an audit event per record.
        record.ciphertext = seal_payload(dek=dek, payload=raw, user_id=user.pk, record_id=str(record.pk),
                                         dek_version=1, kind=note.name, schema_version=note.schema_version)
        record.ciphertext_size = len(record.ciphertext)
        record.wrapped_dek = wrap_dek(vault_key=keys.key(keys.current_version), dek=dek, user_id=user.pk,
                                      record_id=str(record.pk), vault_key_version=keys.current_version)
        rows.append(record)
        expected[str(record.pk)] = raw
    Record.objects.bulk_create(rows, batch_size=1000)
    return expected


def every_record_opens(keys, expected: dict[str, bytes]) -> bool:
    from records.models import Record
    from records.sealing import encode_payload
    from records.selectors import record_unseal

    seen = 0
    for record in Record.objects.iterator(chunk_size=2000):
        if encode_payload(record_unseal(record=record, keys=keys)[1]) != expected[str(record.pk)]:
            return False
        seen += 1
    return seen == len(expected)


def done_items_moved(job) -> bool:
    """The items the job counts as done are exactly the records under its target version
    (no row moved without its item, no item done without its row), and the job's counter agrees."""
    from records.models import Record
    from vault.models import RotationItem

    done = set(RotationItem.objects.filter(job=job, item_kind="record", state="done").values_list("item_id", flat=True))
    moved = {str(pk) for pk in Record.objects.filter(vault_key_version=job.target_version).values_list("pk", flat=True)}
    return bool(done) and done == moved and job.items_done == RotationItem.objects.filter(job=job, state="done").count()


if __name__ == "__main__":
    main()
