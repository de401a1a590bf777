"""Search over 2,000 records (issue 19 part 4): GET /api/v1/records/?q= against a plain
DRF list of the same rows, through gunicorn, in the same run.

    python bench/search.py [--records 2000] [--requests 40] [--workers 2]

One gunicorn (sync workers) with bench/plain/settings on a fresh PostgreSQL database
serves both sides; one user holds --records records: a quarter each of passports, ID
cards, bank cards and notes, with distinct labels, numbers and countries.

- Coffer: GET /api/v1/records/?q=...&limit=50. Search decrypts and matches every one
  of the user's records in memory within the request (records.selectors.record_search),
  so its cost is the same for any query; two queries are timed, one that matches a
  single record by its label and one that matches a quarter of them by country.
- baseline: GET /bench/plain/records/?limit=<records>: a plain ModelSerializer list of
  the same rows with the same token, auth and permission classes, returning each stored
  key and ciphertext base64-encoded, no decryption (bench/plain/urls.py).

Requests go one at a time (one client), alternating Coffer and baseline, so p50 is the
latency one person sees. Prints p50/p95 of each, the ratio Coffer/baseline of the p50s,
whether Coffer meets the 150 ms p50 target, and writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import records as records_bench  # noqa: E402
from bench.files import database  # noqa: E402
from tests.records.samples import td3, valid  # noqa: E402

TARGET_P50_MS = 150.0
COUNTRIES = ("DEU", "FRA", "ITA", "ESP", "NLD", "POL", "AUT", "BEL")


def record_body(index: int) -> dict:
    """A record of one of four kinds, with its own label, number and country."""
    country = COUNTRIES[index % len(COUNTRIES)]
    number = f"X{index:07d}"
    kind = ("passport", "id_card", "bank_card", "note")[index % 4]
    data = valid(kind)
    if kind == "passport":
        data.update(number=number, issuing_country=country, nationality=country,
                    mrz=td3(number=number, issuing=country, nationality=country))
    elif kind == "id_card":
        data.update(document_number=number, issuing_country=country)
    elif kind == "note":
        data.update(title=f"note {index}", text="lorem ipsum " * (index % 30 + 1))
    return {"kind": kind, "label": f"record {index:04d}", "data": data}


def populate(port: int, headers: dict, count: int) -> None:
    def create(index: int) -> None:
        status, body = records_bench.request(port, "POST", "/api/v1/records/", headers, record_body(index))
        assert status == 201, body

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, range(count)))


def timed(port: int, headers: dict, path: str) -> float:
    start = time.perf_counter()
    status, body = records_bench.request(port, "GET", path, headers)
    elapsed = (time.perf_counter() - start) * 1000
    assert status == 200, body
    return elapsed


def summary(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {"requests": len(ordered), "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-search-"))
    with database("postgres", work_dir) as database_url:
        records_bench.ENV.update({
            "DJANGO_SETTINGS_MODULE": "bench.plain.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
            "COFFER_CACHE_PREFIX": f"coffer-bench-search-{os.getpid()}",
            "COFFER_KDF_PROFILE": "test",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
        })
        environment = {**os.environ, **records_bench.ENV}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=environment,
                       check=True)
        process, port = records_bench.start_gunicorn(environment, work_dir, args.workers)
        try:
            headers, _ = records_bench.populate(port, 0)
            populate(port, headers, args.records)
            one = f"record {args.records // 2:04d}".replace(" ", "+")
            sides = {
                "coffer_one_match": f"/api/v1/records/?q={one}&limit=50",
                "coffer_quarter_match": "/api/v1/records/?q=ita&limit=50",
                "baseline": f"/bench/plain/records/?limit={args.records}",
            }
            for path in sides.values():  # warm-up: every worker, every path
                for _ in range(args.workers):
                    timed(port, headers, path)
            latencies: dict[str, list[float]] = {name: [] for name in sides}
            for _ in range(args.requests):
                for name, path in sides.items():
                    latencies[name].append(timed(port, headers, path))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

    results = {name: summary(values) for name, values in latencies.items()}
    baseline = results["baseline"]["p50_ms"]
    print(f"{args.records} records, {args.requests} requests per side, one client, {args.workers} gunicorn workers")
    for name, row in results.items():
        ratio = f"  ratio {row['p50_ms'] / baseline:.2f}" if name != "baseline" else ""
        print(f"{name:<22} p50 {row['p50_ms']:>8.1f} ms  p95 {row['p95_ms']:>8.1f} ms{ratio}")
    worst = max(results["coffer_one_match"]["p50_ms"], results["coffer_quarter_match"]["p50_ms"])
    verdict = "meets" if worst < TARGET_P50_MS else "MISSES"
    print(f"Coffer search p50 {worst:.1f} ms: {verdict} the {TARGET_P50_MS:g} ms target")
    result = {
        "target_p50_ms": TARGET_P50_MS, "records": args.records, "requests": args.requests,
        "workers": args.workers, "results": results,
        "ratio_p50": {name: round(results[name]["p50_ms"] / baseline, 3)
                      for name in ("coffer_one_match", "coffer_quarter_match")},
        "meets_target": worst < TARGET_P50_MS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    out = ROOT / "bench" / "results" / "search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
