"""check_consistency at scale: a million file rows and their objects (issue 22).

    python bench/consistency.py [--files 1000000] [--workers 8]

In-process, with the test settings on a fresh PostgreSQL database and the filesystem
blob store in a temporary directory: one vault, then --files file rows inserted in
batches, each with its own object (a real 5-byte file's stream: header, one chunk).
Then, timed:

- Coffer: `consistency.services.consistency_check()` (every check, the object reads
  through the store's thread pool);
- baseline: the least any such check must do, plainly: walk the blob directory, read
  the first 49 bytes of every object in a thread pool of the same size, and read every
  file row's (blob_key, ciphertext_size) from PostgreSQL.

Prints both times, their ratio and the process's peak RSS after each, and writes
bench/results/consistency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.files import database  # noqa: E402

PIN = "482915"
BATCH = 10_000


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-consistency-"))
    blob_root = work_dir / "blobs"
    with database("postgres", work_dir) as database_url:
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "coffer.settings.test",
            "DATABASE_URL": database_url,
            "COFFER_CACHE_PREFIX": f"coffer-bench-consistency-{os.getpid()}",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(blob_root),
        })
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from consistency.services import consistency_check
        from files.models import File
        from storage.factory import get_store
        from vault.crypto.keys import new_key
        from vault.crypto.stream import StreamEncryptor, ciphertext_size
        from vault.services import vault_setup

        call_command("migrate", "--noinput", verbosity=0)
        user = get_user_model().objects.create_user(username="bench", password="unused-password-1")
        vault_setup(user=user, pin=PIN)
        encryptor = StreamEncryptor(new_key(), b"bench")
        blob = b"".join([*encryptor.chunks(b"%PDF-"), encryptor.finalize()])
        assert len(blob) == ciphertext_size(5)

        store = get_store()
        started = time.perf_counter()
        now = timezone.now()
        for offset in range(0, args.files, BATCH):
            rows = []
            for _ in range(min(BATCH, args.files - offset)):
                key = store.new_key()
                path = blob_root / key[:2] / key[2:4] / key
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(blob)
                rows.append(File(owner=user, blob_key=key, content_type="application/pdf", plaintext_size=5,
                                 ciphertext_size=len(blob), created_at=now, vault_key_version=1,
                                 wrapped_dek=b"\x01" * 73, sealed_filename=b"\x01" * 60))
            File.objects.bulk_create(rows, batch_size=BATCH)
        print(f"made {args.files:,} rows and objects in {time.perf_counter() - started:.0f} s", flush=True)

        started = time.perf_counter()
        report = consistency_check(workers=args.workers)
        coffer_seconds = time.perf_counter() - started
        coffer_rss = _peak_mib()
        assert report.clean, report.counts()
        assert report.checks["file_object_header"].checked == args.files

        def head(path: str) -> bytes:
            with open(path, "rb") as handle:
                return handle.read(49)

        started = time.perf_counter()
        paths = [os.path.join(root, name) for root, _, names in os.walk(blob_root) for name in names]
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            read = sum(1 for _ in pool.map(head, paths, chunksize=256))
        with connection.cursor() as cursor:
            cursor.execute("SELECT blob_key, ciphertext_size FROM files_file")
            rows = 0
            while batch := cursor.fetchmany(BATCH):
                rows += len(batch)
        baseline_seconds = time.perf_counter() - started
        assert read == rows == args.files

    result = {
        "files": args.files, "workers": args.workers, "machine": platform.machine(), "cpus": os.cpu_count(),
        "coffer_seconds": round(coffer_seconds, 1), "baseline_seconds": round(baseline_seconds, 1),
        "ratio": round(baseline_seconds / coffer_seconds, 2), "coffer_peak_rss_mib": round(coffer_rss),
    }
    print(f"{'':28}{'seconds':>10}")
    print(f"{'Coffer check_consistency':28}{coffer_seconds:>10.1f}   peak RSS {coffer_rss:.0f} MiB")
    print(f"{'baseline (walk, read, rows)':28}{baseline_seconds:>10.1f}")
    print(f"{'ratio (baseline / Coffer)':28}{result['ratio']:>10.2f}")
    out = ROOT / "bench" / "results" / "consistency.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    import shutil

    shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
