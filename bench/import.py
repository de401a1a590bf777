"""Import throughput: records per second, against creating the same records one by one.

    python bench/import.py [--records 2000] [--db postgres|sqlite]

In-process, with the test settings on a fresh PostgreSQL database (or SQLite) and the
filesystem blob store. A Bitwarden JSON export of --records items (secure notes and
cards, alternately) is uploaded through the API (Django's test client), previewed,
confirmed, and the job is driven to the end with imports.services.import_step in this
process (Celery is not involved: the job's enqueueing is a no-op here).

- Coffer: from the confirm to the commit (reading the stored source back, checking every
  record, sealing each under its own key, one transaction). The upload and preview are
  timed apart.
- baseline: the same records created one at a time through records.services.record_create
  (what POST /api/v1/records/ calls), into a second user's vault.

Prints records per second for both and the ratio import/baseline, and writes
bench/results/import.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.files import database  # noqa: E402

PIN = "482915"


def bitwarden_export(count: int) -> tuple[bytes, list[tuple[str, str, dict]]]:
    items, expected = [], []
    for index in range(count):
        if index % 2:
            card = {"cardholderName": f"Holder {index}", "number": "4242424242424242", "expMonth": "12",
                    "expYear": "2040", "code": f"{index % 900 + 100}"}
            items.append({"id": f"item-{index}", "type": 3, "name": f"card {index}", "card": card})
            expected.append(("bank_card", f"card {index}", {"holder": f"Holder {index}", "number": "4242424242424242",
                                                          "expiry_month": 12, "expiry_year": 2040,
                                                          "cvv": f"{index % 900 + 100}"}))
        else:
            text = f"note {index} " + "lorem ipsum " * (index % 50)
            items.append({"id": f"item-{index}", "type": 2, "name": f"note {index}", "notes": text,
                          "secureNote": {"type": 0}})
            expected.append(("note", f"note {index}", {"title": f"note {index}", "text": text}))
    return json.dumps({"encrypted": False, "folders": [], "items": items}).encode(), expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-import-"))
    with database(args.db, work_dir) as database_url:
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "coffer.settings.test",
            "DATABASE_URL": database_url,
            "COFFER_CACHE_PREFIX": f"coffer-bench-import-{os.getpid()}",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
        })
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.core.management import call_command
        from django.db import connection
        from rest_framework.test import APIClient

        from accounts.scopes import ALL_SCOPES
        from accounts.services import token_create
        from imports import services as imports
        from imports.worker import import_step
        from records.models import Record
        from records.services import record_create
        from vault.services import vault_keys

        call_command("migrate", "--noinput", verbosity=0)
        settings.ALLOWED_HOSTS = ["*"]
        settings.COFFER_IMPORT_MAX_ITEMS = max(settings.COFFER_IMPORT_MAX_ITEMS, args.records)
        imports.job_enqueue = lambda job_id, countdown=0: None  # this process drives the job

        def person(name: str):
            user = get_user_model().objects.create_user(username=name, password="unused-password-1")
            client = APIClient()
            token = token_create(user=user, name="b", scopes=list(ALL_SCOPES)).token
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            assert client.post("/api/v1/vault/setup", {"pin": PIN}, format="json").status_code == 201
            secret = client.post("/api/v1/vault/unlock", {"pin": PIN}, format="json").json()["unlock_secret"]
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_VAULT_UNLOCK=secret)
            return user, client, secret

        source, expected = bitwarden_export(args.records)
        importer, client, _ = person("importer")
        start = time.perf_counter()
        response = client.post("/api/v1/imports/", {"source": SimpleUploadedFile("bw.json", source)},
                               format="multipart")
        assert response.status_code == 201, response.content
        preview_seconds = time.perf_counter() - start
        job_id = response.json()["id"]
        assert response.json()["records_planned"] == args.records, response.json()["preview"]["left"][:3]
        start = time.perf_counter()
        assert client.post(f"/api/v1/imports/{job_id}/confirm").status_code == 202
        while not import_step(job_id=job_id).finished:
            pass
        import_seconds = time.perf_counter() - start
        assert client.get(f"/api/v1/imports/{job_id}/").json()["state"] == "done"
        assert Record.objects.filter(owner=importer).count() == args.records

        baseline_user, _, secret = person("baseline")
        keys = vault_keys(user=baseline_user, unlock_secret=secret)
        start = time.perf_counter()
        for kind, label, data in expected:
            record_create(owner=baseline_user, keys=keys, kind=kind, label=label, data=data)
        baseline_seconds = time.perf_counter() - start
        connection.close()

    coffer_rate = args.records / import_seconds
    baseline_rate = args.records / baseline_seconds
    ratio = coffer_rate / baseline_rate
    print(f"{args.records} records (notes and cards), {args.db}, {os.cpu_count()} cores")
    print(f"upload and preview: {preview_seconds:.2f} s ({len(source) / 1024:.0f} KiB of JSON)")
    print(f"Coffer import:   {coffer_rate:8.1f} records/s ({import_seconds:.2f} s, confirm to commit)")
    print(f"baseline:        {baseline_rate:8.1f} records/s ({baseline_seconds:.2f} s, record_create one by one)")
    print(f"ratio:           {ratio:8.2f}")
    result = {
        "records": args.records, "database": args.db, "source_bytes": len(source),
        "preview_seconds": round(preview_seconds, 3), "import_seconds": round(import_seconds, 3),
        "baseline_seconds": round(baseline_seconds, 3), "import_records_per_second": round(coffer_rate, 1),
        "baseline_records_per_second": round(baseline_rate, 1), "ratio": round(ratio, 2),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    out = ROOT / "bench" / "results" / "import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
