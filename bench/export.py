"""Export throughput against a raw copy of the same bytes, and the builder's peak memory.

    python bench/export.py [--sizes 10M,256M,1G] [--files 4] [--store s3|fs]

In the test settings, on a fresh PostgreSQL database and an rclone S3 server on loopback
(--store s3, the default; its bucket in /dev/shm) or the filesystem store (--store fs):
one user's vault per --sizes entry, holding --files PDF files of that many bytes in all
(and 20 note records), uploaded through the upload service one MiB at a time. For each vault an export is started with
exports.services.export_start (age scrypt at the test work factor) and built by
exports.services.export_build in a fresh child process, which reports the build's
time and its peak RSS (VmHWM). The baseline copies the largest vault's file objects,
as they are, from the store into new objects (read and write, no crypto).

- export MiB/s: the files' plaintext bytes over the build's seconds (the build reads
  every file twice: once for its SHA-256, once into the archive);
- raw MiB/s: the same bytes (as ciphertext) copied within the store, object by object,
  read with the downloads' read-ahead and written with BlobStore.put;
- ratio: export / raw. Target (issue 18): at least 0.5.
- the builder's peak RSS for each vault: it rises until the fixed buffers are full
  (read-ahead, 4 x 8 MiB; S3 parts, 8 MiB each, a few in flight), then stays: from
  the middle size to the largest it must not grow with the data (target: under 32 MiB;
  the allocator alone moves it by 10 to 25 MiB between runs).
Prints a table and writes bench/results/export.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    import django

    django.setup()

from bench.files import database, human, parse_size, rclone_s3  # noqa: E402

MiB = 1024 * 1024
PIN = "482915"
PASSPHRASE = "bench-export-passphrase-42"
TARGET_RATIO = 0.5
TARGET_PLATEAU_MIB = 32


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(job_id: str) -> None:
    """Builds one export in this fresh process; prints seconds and peak RSS as JSON."""
    from exports.services import export_build

    started = time.perf_counter()
    export_build(job_id=job_id)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_rss_mib": peak_rss_mib()}))


def fill(user, keys, *, total: int, files: int) -> int:
    from files.services import file_create, file_upload_start
    from records.services import record_create

    for index in range(20):
        record_create(owner=user, keys=keys, kind="note", label=f"n{index}",
                      data={"title": f"t{index}", "text": "x" * 500})
    each = max(total // files, 16)
    for index in range(files):
        upload = file_upload_start(owner=user, keys=keys, filename=f"scan {index}.pdf",
                                   declared_type="application/pdf", expected_size=each)
        upload.write(b"%PDF-1.7\n")
        left = each - 9
        while left:
            piece = os.urandom(min(MiB, left))
            upload.write(piece)
            left -= len(piece)
        upload.finish()
        file_create(owner=user, keys=keys, upload=upload)
    return each * files


def raw_copy_seconds(user) -> float:
    """Copies each file object into a new one: read with the same read-ahead a download
    uses (COFFER_FILE_READ_AHEAD ranges in flight), written with BlobStore.put."""
    from django.conf import settings

    from files.models import File
    from files.readahead import ReadAhead
    from storage.factory import get_store

    store = get_store()
    copies = []
    started = time.perf_counter()
    for file in File.objects.filter(owner=user):
        reader = ReadAhead(store, file.blob_key, 0, file.ciphertext_size, depth=settings.COFFER_FILE_READ_AHEAD)
        key = store.new_key()
        pieces = (reader.read_at(offset, min(MiB, file.ciphertext_size - offset))
                  for offset in range(0, file.ciphertext_size, MiB))
        store.put(key, pieces)
        reader.close()
        copies.append(key)
    elapsed = time.perf_counter() - started
    for key in copies:
        store.delete(key)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10M,256M,1G",
                        help="the vaults' file bytes, smallest first; the largest is timed against the raw copy")
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--store", choices=["s3", "fs"], default="s3")
    parser.add_argument("--s3-dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                        help="where rclone keeps the bucket (default /dev/shm: no disk writeback in the figures)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-export-"))
    with ExitStack() as stack:
        database_url = stack.enter_context(database("postgres", work_dir))
        env = {
            "DJANGO_SETTINGS_MODULE": "coffer.settings.test", "DATABASE_URL": database_url,
            "COFFER_CACHE_PREFIX": f"coffer-bench-export-{os.getpid()}", "COFFER_STORAGE": args.store,
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
            "COFFER_FILE_MAX_BYTES": str(4 * 1024 * MiB), "COFFER_USER_QUOTA_BYTES": str(16 * 1024 * MiB),
        }
        if args.store == "s3":
            s3 = stack.enter_context(rclone_s3(work_dir, Path(args.s3_dir) if args.s3_dir else None))
            env.update({"COFFER_S3_ENDPOINT_URL": s3.endpoint_url, "COFFER_S3_BUCKET": s3.bucket,
                        "COFFER_S3_ACCESS_KEY": s3.access_key, "COFFER_S3_SECRET_KEY": s3.secret_key})
        os.environ.update(env)
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection

        from exports import services
        from exports.models import ExportJob
        from vault.services import vault_keys, vault_setup, vault_unlock

        call_command("migrate", "--noinput", verbosity=0)
        services._enqueue = lambda job_id, countdown=0: None  # the child process builds it

        sizes = [parse_size(text) for text in args.sizes.split(",")]
        runs = {}
        for total in sizes:
            name = human(total)
            user = get_user_model().objects.create_user(username=f"bench-{name}", password="unused-password-1")
            vault_setup(user=user, pin=PIN)
            keys = vault_keys(user=user, unlock_secret=vault_unlock(user=user, pin=PIN).unlock_secret)
            stored = fill(user, keys, total=total, files=args.files)
            job = services.export_start(user=user, keys=keys, passphrase=PASSPHRASE)
            connection.close()
            output = subprocess.run([sys.executable, __file__, "--child", str(job.id)], env={**os.environ, **env},
                                    cwd=ROOT, capture_output=True, text=True)
            if output.returncode:
                sys.exit(output.stderr[-3000:])
            output = output.stdout
            measured = json.loads(output.strip().splitlines()[-1])
            job = ExportJob.objects.get(pk=job.id)
            assert job.state == "done", job.error
            runs[name] = {"file_bytes": stored, "export_bytes": job.size, **measured,
                          "mib_per_second": stored / MiB / measured["seconds"]}
            if total == sizes[-1]:
                raw = raw_copy_seconds(user)
                runs["raw"] = {"seconds": raw, "mib_per_second": stored / MiB / raw}

    big, small, mid = human(sizes[-1]), human(sizes[0]), human(sizes[-2]) if len(sizes) > 2 else human(sizes[0])
    ratio = runs[big]["mib_per_second"] / runs["raw"]["mib_per_second"]
    growth = runs[big]["peak_rss_mib"] - runs[small]["peak_rss_mib"]
    plateau = runs[big]["peak_rss_mib"] - runs[mid]["peak_rss_mib"]
    print(f"{args.files} files per vault + 20 records, PostgreSQL, {args.store} store, {os.cpu_count()} cores")
    print(f"{'':<30}{'seconds':>9}{'MiB/s':>9}{'peak RSS':>10}")
    for total in sizes:
        run = runs[human(total)]
        print(f"{'Coffer export, ' + human(total):<30}{run['seconds']:>9.2f}{run['mib_per_second']:>9.1f}"
              f"{run['peak_rss_mib']:>9.1f}M")
    print(f"{'raw copy in the store, ' + big:<30}{runs['raw']['seconds']:>9.2f}{runs['raw']['mib_per_second']:>9.1f}")
    print(f"ratio export/raw at {big}: {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"peak RSS {small} -> {big}: +{growth:.1f} MiB (the fixed buffers filling: read-ahead and S3 parts); "
          f"{mid} -> {big}: {plateau:+.1f} MiB (target: under {TARGET_PLATEAU_MIB} MiB)")
    result = {
        "files": args.files, "sizes": sizes, "store": args.store,
        "runs": {name: {key: round(value, 3) if isinstance(value, float) else value for key, value in run.items()}
                 for name, run in runs.items()},
        "ratio": round(ratio, 3), "target_ratio": TARGET_RATIO,
        "peak_rss_growth_mib": round(growth, 1), "peak_rss_plateau_mib": round(plateau, 1),
        "target_plateau_mib": TARGET_PLATEAU_MIB,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    out = ROOT / "bench" / "results" / "export.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
