"""Key rotation throughput: items per second and MiB per second, for rewrap and reencrypt.

    python bench/rotation.py [--records 400] [--files 16] [--file-size 1M] [--db postgres|sqlite]

In-process, with the test settings on a fresh PostgreSQL database (or SQLite) and the
filesystem blob store: one user's vault holds --records note records (0.1-2 KiB of text
each) and --files PDF files of --file-size, created through the API (Django's test
client). Then, for each kind, a rotation job is started through the API and driven to the
end with vault.rotation.services.rotation_step in this process (Celery is not involved:
the job's enqueueing is a no-op here), timing only the steps.

- rewrap: each item's data key is re-wrapped under the new vault key (payloads untouched);
- reencrypt: each item is re-sealed under a new data key (file blobs rewritten).

items/s counts records and files together; MiB/s is the vault content (record ciphertext
plus file ciphertext) the job covers per second, so the two kinds are comparable even
though rewrap does not touch the payload bytes. reencrypt runs second, on the vault that
rewrap left (one more key version; the same content).
Prints a table and writes bench/results/rotation.json and bench/results/rotation.png.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.files import database, human, parse_size  # noqa: E402
from bench.plot import draw_rotation  # noqa: E402

MiB = 1024 * 1024
PIN = "482915"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400)
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--file-size", type=parse_size, default=MiB)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-rotation-"))
    with database(args.db, work_dir) as database_url:
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "coffer.settings.test",
            "DATABASE_URL": database_url,
            "COFFER_CACHE_PREFIX": f"coffer-bench-rotation-{os.getpid()}",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
        })
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection
        from django.db.models import Sum
        from rest_framework.test import APIClient

        from accounts.scopes import ALL_SCOPES
        from accounts.services import token_create
        from files.models import File
        from records.models import Record
        from vault.rotation import services as rotation

        call_command("migrate", "--noinput", verbosity=0)
        settings.ALLOWED_HOSTS = ["*"]
        settings.COFFER_FILE_MAX_BYTES = max(settings.COFFER_FILE_MAX_BYTES, args.file_size * 2)
        rotation._enqueue = lambda job_id, countdown=0: None  # this process drives the job

        user = get_user_model().objects.create_user(username="bench", password="unused-password-1")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='b', scopes=list(ALL_SCOPES)).token}")
        assert client.post("/api/v1/vault/setup", {"pin": PIN}, format="json").status_code == 201
        response = client.post("/api/v1/vault/unlock", {"pin": PIN}, format="json")
        assert response.status_code == 200, response.content
        secret = response.json()["unlock_secret"]
        client.credentials(HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"], HTTP_X_VAULT_UNLOCK=secret)

        rng = random.Random(9)
        for index in range(args.records):
            text = "".join(rng.choice("abcdefghij klmnop") for _ in range(rng.randint(100, 2000)))
            response = client.post("/api/v1/records/", {"kind": "note", "label": f"n{index}",
                                                        "data": {"title": f"t{index}", "text": text}}, format="json")
            assert response.status_code == 201, response.content
        for index in range(args.files):
            body = b"%PDF-1.7\n" + os.urandom(args.file_size - 9)
            response = client.generic("POST", "/api/v1/files/", body, content_type="application/pdf",
                                      HTTP_X_FILENAME=f"f{index}.pdf")
            assert response.status_code == 201, response.content

        content = (Record.objects.aggregate(s=Sum("ciphertext_size"))["s"] or 0) + \
                  (File.objects.aggregate(s=Sum("ciphertext_size"))["s"] or 0)
        runs = []
        for kind in ("rewrap", "reencrypt"):
            response = client.post("/api/v1/vault/rotations/", {"kind": kind}, format="json")
            assert response.status_code == 202, response.content
            job_id = response.json()["id"]
            items = response.json().get("items_total")
            start = time.perf_counter()
            steps = 0
            while not rotation.rotation_step(job_id=job_id, budget_seconds=30).finished:
                steps += 1
                if steps > 1000:
                    sys.exit(f"the {kind} job did not finish")
            elapsed = time.perf_counter() - start
            job = rotation.rotation_get(owner=user, job_id=job_id)
            counts = rotation.rotation_item_counts(job=job)
            items = job.items_total
            runs.append({
                "mode": kind, "items": items, "seconds": round(elapsed, 3), "state": job.state, "counts": counts,
                "items_per_second": round(items / elapsed, 1), "mib_per_second": round(content / MiB / elapsed, 2),
            })
        connection.close()

    print(f"vault: {args.records} note records + {args.files} files of {human(args.file_size)} "
          f"({content / MiB:.1f} MiB of ciphertext), {args.db}, fs store, {os.cpu_count()} cores")
    print(f"{'kind':<11}{'items':>7}{'seconds':>9}{'items/s':>9}{'MiB/s':>8}  state")
    for row in runs:
        print(f"{row['mode']:<11}{row['items']:>7}{row['seconds']:>9.2f}{row['items_per_second']:>9.1f}"
              f"{row['mib_per_second']:>8.2f}  {row['state']}")
    result = {
        "records": args.records, "files": args.files, "file_size": args.file_size, "content_bytes": content,
        "database": args.db, "store": "fs", "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    out = ROOT / "bench" / "results" / "rotation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    draw_rotation(result)


if __name__ == "__main__":
    main()
