"""Encrypted records against a plain DRF endpoint, through gunicorn, in the same run.

    python bench/records.py [--records 200] [--seconds 6] [--clients 4] [--workers 2] [--db postgres|sqlite]

One gunicorn (sync workers, --workers of them; 2 on this 2-core machine) with the test
settings plus bench/plain/urls.py, on a fresh PostgreSQL database (or SQLite), serves both:

- Coffer: GET /api/v1/records/?limit=50 (list: 50 records unwrapped, opened, presented)
  and GET /api/v1/records/{id}/ (read one), with the token and the unlock secret;
- plain: GET /bench/plain/records/?limit=50 and /bench/plain/records/{id}/, a plain
  ModelSerializer over the same rows with the same token, auth, permission classes and
  pagination, returning the stored key and ciphertext base64-encoded (no decryption).
  See bench/plain/urls.py.

The load generator runs on loopback: --clients threads, each sending requests back to back
(http.client, one connection per request since gunicorn's sync workers close each
connection) for --seconds per scenario, after a 1 s warm-up. Scenarios alternate
encrypted/plain so that drift on the machine hits both. Prints requests per second and
p50/p95 latency for each, and the ratio encrypted/plain (target >= 0.8).
Writes bench/results/records.json and bench/results/records.png.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.files import database, free_port  # noqa: E402
from bench.plot import draw_records  # noqa: E402

TARGET_RATIO = 0.8
PIN = "482915"
PASSWORD = "correct horse battery staple"
LIST_LIMIT = 50


def request(port: int, method: str, path: str, headers: dict, body: dict | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {**headers, **({"Content-Type": "application/json"} if payload else {})}
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def start_gunicorn(environment: dict, work_dir: Path, workers: int):
    port = free_port()
    log = (work_dir / "gunicorn.log").open("ab")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "coffer.wsgi:application", f"--bind=127.0.0.1:{port}",
         f"--workers={workers}", "--worker-class=sync", "--timeout=120", "--log-level=warning"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if request(port, "GET", "/healthz", {})[0] == 200:
                return process, port
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            sys.exit(f"gunicorn did not start; see {work_dir / 'gunicorn.log'}")
        time.sleep(0.1)


def populate(port: int, count: int) -> tuple[dict, list[str]]:
    """A user, an all-scope token, a vault set up and unlocked, and `count` note records."""
    env = {"DJANGO_SETTINGS_MODULE": "bench.plain.settings"}
    script = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from accounts.scopes import ALL_SCOPES\n"
        "from accounts.services import token_create\n"
        f"user = get_user_model().objects.create_user(username='bench', password={PASSWORD!r})\n"
        "print(token_create(user=user, name='bench', scopes=list(ALL_SCOPES)).token)\n"
    )
    token = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, **ENV, **env},
                           check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Token {token}"}
    status, body = request(port, "POST", "/api/v1/vault/setup", auth, {"pin": PIN})
    assert status == 201, body
    status, body = request(port, "POST", "/api/v1/vault/unlock", auth, {"pin": PIN})
    assert status == 200, body
    headers = {**auth, "X-Vault-Unlock": json.loads(body)["unlock_secret"]}
    ids = []
    rng = random.Random(9)
    for index in range(count):
        text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(rng.randint(40, 400)))
        status, body = request(port, "POST", "/api/v1/records/", headers,
                               {"kind": "note", "label": f"note {index}", "data": {"title": f"n{index}", "text": text}})
        assert status == 201, body
        ids.append(json.loads(body)["id"])
    return headers, ids


def load(port: int, headers: dict, paths, *, clients: int, seconds: float) -> dict:
    """Back-to-back GETs from `clients` threads for `seconds` (after a 1 s warm-up)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = threading.Event()
    measuring = threading.Event()

    def client(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        mine, bad = [], 0
        while not stop.is_set():
            path = paths(rng)
            start = time.perf_counter()
            status, _ = request(port, "GET", path, headers)
            elapsed = (time.perf_counter() - start) * 1000
            if measuring.is_set():
                mine.append(elapsed)
                bad += status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    measuring.set()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))], 2),
    }


ENV: dict[str, str] = {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-records-"))
    with database(args.db, work_dir) as database_url:
        ENV.update({
            "DJANGO_SETTINGS_MODULE": "bench.plain.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
            "COFFER_CACHE_PREFIX": f"coffer-bench-records-{os.getpid()}",
            "COFFER_KDF_PROFILE": "test",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
        })
        environment = {**os.environ, **ENV}
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=environment,
                       check=True)
        process, port = start_gunicorn(environment, work_dir, args.workers)
        try:
            headers, ids = populate(port, args.records)
            scenarios = {
                "list": {
                    "encrypted": lambda rng: f"/api/v1/records/?limit={LIST_LIMIT}",
                    "plain": lambda rng: f"/bench/plain/records/?limit={LIST_LIMIT}",
                },
                "read": {
                    "encrypted": lambda rng: f"/api/v1/records/{rng.choice(ids)}/",
                    "plain": lambda rng: f"/bench/plain/records/{rng.choice(ids)}/",
                },
            }
            operations = {}
            for name, sides in scenarios.items():
                operations[name] = {side: load(port, headers, paths, clients=args.clients, seconds=args.seconds)
                                    for side, paths in sides.items()}
                operations[name]["ratio"] = round(operations[name]["encrypted"]["rps"]
                                                  / operations[name]["plain"]["rps"], 3)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

    print(f"{args.records} note records, {args.clients} client threads, {args.workers} gunicorn workers, "
          f"{args.seconds:g} s per scenario, {args.db}")
    print(f"{'':<6}{'side':<11}{'req/s':>9}{'p50':>10}{'p95':>10}{'errors':>8}")
    for name, result in operations.items():
        for side in ("encrypted", "plain"):
            row = result[side]
            print(f"{name:<6}{side:<11}{row['rps']:>9.1f}{row['p50_ms']:>8.1f}ms{row['p95_ms']:>8.1f}ms"
                  f"{row['errors']:>8}")
        verdict = "meets" if result["ratio"] >= TARGET_RATIO else "MISSES"
        print(f"{name:<6}ratio encrypted/plain {result['ratio']:.3f}: {verdict} the {TARGET_RATIO} target")
    result = {
        "target_ratio": TARGET_RATIO, "records": args.records, "list_limit": LIST_LIMIT, "clients": args.clients,
        "workers": args.workers, "seconds": args.seconds, "database": args.db, "operations": operations,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
    }
    out = ROOT / "bench" / "results" / "records.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    draw_records(result)


if __name__ == "__main__":
    main()
