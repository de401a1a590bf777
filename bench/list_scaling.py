"""The records list's first and last page against the vault's size.

    python bench/list_scaling.py [--sizes 10,100,1000,10000] [--rounds 15] [--workers 2] [--threads 4]

One gunicorn as bench/records.py starts it (gthread, 2 workers x 4 threads, PostgreSQL
connections kept) on a fresh PostgreSQL database. For each size, a new user's vault gets
that many note records (sealed and wrapped with the app's own functions and bulk-inserted,
as bench/rotation.py fills a vault), then one client on one keep-alive connection asks for
GET /api/v1/records/?limit=50 (first page) and ...&offset=<size - 50> (last page),
alternately, --rounds times each after two warm-up rounds: the p50 of each. A page opens at
most 50 records, whatever the vault's size; the figures show whether anything else grows.
Writes bench/results/list_scaling.json and docs/performance/list_scaling.png.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import records as records_bench  # noqa: E402
from bench.files import database  # noqa: E402
from bench.plot import draw_list_scaling  # noqa: E402

PAGE = 50
PIN = "482915"


def vault_of(port: int, size: int, index: int) -> dict:
    """A new user whose vault holds `size` note records; returns the request headers."""
    from django.contrib.auth import get_user_model

    from accounts.scopes import ALL_SCOPES
    from accounts.services import token_create
    from bench.rotation import fill
    from vault.services import vault_keys

    user = get_user_model().objects.create_user(username=f"bench-list-{index}", password="unused-password-1")
    auth = {"Authorization": f"Token {token_create(user=user, name='bench', scopes=list(ALL_SCOPES)).token}"}
    status, body = records_bench.request(port, "POST", "/api/v1/vault/setup", auth, {"pin": PIN})
    assert status == 201, body
    status, body = records_bench.request(port, "POST", "/api/v1/vault/unlock", auth, {"pin": PIN})
    assert status == 200, body
    secret = json.loads(body)["unlock_secret"]
    fill(user, vault_keys(user=user, unlock_secret=secret), SimpleNamespace(passports=0, records=size))
    # What autovacuum does after a bulk insert (insert threshold 1,000 rows), done now rather
    # than at its leisure: the statistics, and the visibility map that lets a page's ids come
    # from the index alone.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE records_record")
    return {**auth, "X-Vault-Unlock": secret}


def measure(port: int, headers: dict, size: int, rounds: int) -> dict:
    pages = {"first": f"/api/v1/records/?limit={PAGE}", "last": f"/api/v1/records/?limit={PAGE}&offset={max(0, size - PAGE)}"}
    times: dict[str, list[float]] = {name: [] for name in pages}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for round_ in range(rounds + 2):
            for name, path in pages.items():
                start = time.perf_counter()
                status, body = records_bench.request(port, "GET", path, headers, None, connection)
                elapsed = (time.perf_counter() - start) * 1000
                assert status == 200, body
                if round_ == 0:
                    answer = json.loads(body)
                    assert answer["count"] == size and len(answer["results"]) == min(size, PAGE), answer["count"]
                if round_ >= 2:
                    times[name].append(elapsed)
    finally:
        connection.close()
    return {
        "records": size,
        **{f"{name}_p50_ms": round(statistics.median(values), 2) for name, values in times.items()},
        **{f"{name}_ms": [round(value, 2) for value in values] for name, values in times.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    sizes = [int(text) for text in args.sizes.split(",") if text.strip()]

    started_at = time.time()
    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-list-"))
    rows = []
    with database("postgres", work_dir) as database_url:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.plain.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
            "COFFER_CACHE_PREFIX": f"coffer-bench-list-{os.getpid()}",  # the same for gunicorn and this process
            "COFFER_KDF_PROFILE": "test",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
        }
        os.environ.update(environment)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", "--noinput", verbosity=0)
        process, port = records_bench.start_gunicorn(environment, work_dir, args.workers, args.threads)
        try:
            for index, size in enumerate(sizes):
                headers = vault_of(port, size, index)
                rows.append(measure(port, headers, size, args.rounds))
                print(f"  .. {size} records: first page {rows[-1]['first_p50_ms']:.1f} ms, "
                      f"last page {rows[-1]['last_p50_ms']:.1f} ms", file=sys.stderr, flush=True)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            connections.close_all()

    print(f"records list, {PAGE} a page, p50 of {args.rounds} requests on one keep-alive connection, "
          f"gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL")
    print(f"{'records':>8}{'first page':>13}{'last page':>13}")
    for row in rows:
        print(f"{row['records']:>8}{row['first_p50_ms']:>10.1f} ms{row['last_p50_ms']:>10.1f} ms")
    result = {
        "started_at": started_at, "page": PAGE, "rounds": args.rounds, "workers": args.workers,
        "threads": args.threads, "sizes": rows,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_1_5_15": [round(value, 2) for value in os.getloadavg()]},
    }
    out = ROOT / "bench" / "results" / "list_scaling.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    draw_list_scaling(result)


if __name__ == "__main__":
    main()
