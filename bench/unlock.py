"""Unlock cost: the median and p95 time of a full unlock (Argon2id, HKDF, unwrap) per
Argon2id profile, and how many unlocks per second the machine's cores sustain.

    python bench/unlock.py [--rounds N] [--burst N] [--caps 1,2,4] [--db postgres|sqlite]

Target: the production default ("moderate": 64 MiB, t=3, p=1) under 500 ms on 2 cores.

Then the concurrency cap, through the service: --burst users, each with a vault set up at
the production default, all call vault.services.vault_unlock at once from their own
threads, for each cap in --caps (COFFER_UNLOCK_CONCURRENCY; the semaphore
vault.services._unlock_slots). Every Argon2id call is counted on its way in and out, so
the peak number in flight is measured, not assumed; with it the burst's unlocks per second
and the process's peak RSS growth. The cap holds if the peak never exceeds it.
Also Argon2id's allocation: each profile's derive_pin_key (its memory in huge pages, see
vault/crypto/kdf_memory.py) against argon2-cffi's hash_secret_raw, interleaved, with the
page faults of each call.
Prints tables and writes bench/results/unlock.json and docs/performance/unlock.png.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vault.crypto.context import Context  # noqa: E402
from argon2.low_level import Type, hash_secret_raw  # noqa: E402

from vault.crypto import kdf_memory  # noqa: E402
from vault.crypto.kdf import PROFILES, derive_pin_key, normalize_pin  # noqa: E402
from vault.crypto.keys import derive_kek, new_key  # noqa: E402
from vault.crypto.wrap import unwrap_key, wrap_key  # noqa: E402

PRODUCTION_DEFAULT = "moderate"
TARGET_MS = 500


def one_unlock(profile: str, salt: bytes, share: bytes, wrapped: bytes) -> None:
    kek = derive_kek(derive_pin_key("482915", salt, PROFILES[profile]), share, "1")
    unwrap_key(kek, wrapped, Context("vault-key/kek", "1", "", 1))


def measure(profile: str, rounds: int) -> dict:
    salt, share = os.urandom(16), new_key()
    kek = derive_kek(derive_pin_key("482915", salt, PROFILES[profile]), share, "1")
    wrapped = wrap_key(kek, new_key(), Context("vault-key/kek", "1", "", 1))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        one_unlock(profile, salt, share, wrapped)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    workers = os.cpu_count() or 1
    burst = max(workers * 2, 4)
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:  # argon2-cffi releases the GIL
        list(pool.map(lambda _: one_unlock(profile, salt, share, wrapped), range(burst)))
    per_second = burst / (time.perf_counter() - start)
    params = PROFILES[profile]
    return {
        "profile": profile,
        "memory_mib": params.memory_kib / 1024,
        "iterations": params.iterations,
        "parallelism": params.parallelism,
        "rounds": rounds,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "unlocks_per_second": round(per_second, 2),
        "workers": workers,
    }


def measure_allocation(profile: str, rounds: int) -> dict:
    """Argon2id's working memory: argon2-cffi's hash_secret_raw (malloc: a fresh mapping of
    4 KiB pages for 64 MiB) against derive_pin_key (huge pages, vault/crypto/kdf_memory.py),
    interleaved on the same thread, with the minor page faults each call takes."""
    params = PROFILES[profile]
    times: dict[str, list[float]] = {"hash_secret_raw": [], "derive_pin_key": []}
    faults: dict[str, list[int]] = {"hash_secret_raw": [], "derive_pin_key": []}

    def timed(name: str, call) -> None:
        before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
        start = time.perf_counter()
        call()
        times[name].append((time.perf_counter() - start) * 1000)
        faults[name].append(resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before)

    for _ in range(rounds):
        salt = os.urandom(16)
        timed("hash_secret_raw", lambda: hash_secret_raw(
            normalize_pin("482915"), salt, time_cost=params.iterations, memory_cost=params.memory_kib,
            parallelism=params.parallelism, hash_len=32, type=Type.ID))
        timed("derive_pin_key", lambda: derive_pin_key("482915", salt, params))
    row = {"profile": profile, "memory_mib": params.memory_kib / 1024, "iterations": params.iterations, "rounds": rounds,
           "huge_pages": kdf_memory.argon2id_raw is not None
                         and kdf_memory.MIN_MEMORY_KIB <= params.memory_kib <= kdf_memory.MAX_MEMORY_KIB}
    for name in times:
        row[f"{name}_median_ms"] = round(statistics.median(times[name]), 1)
        row[f"{name}_faults"] = int(statistics.median(faults[name]))
    return row


def _vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> None:
    """Resets VmHWM to the current RSS (Linux >= 4.0), so each burst's peak is its own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def measure_cap(caps: list[int], burst: int, db: str) -> list[dict]:
    """Bursts of `burst` concurrent unlocks through vault_unlock, once per cap."""
    from bench.files import database

    work_dir = Path(tempfile.mkdtemp(prefix="coffer-bench-unlock-"))
    with database(db, work_dir) as database_url:
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "coffer.settings.test",
            "DATABASE_URL": database_url,
            "COFFER_CACHE_PREFIX": f"coffer-bench-unlock-{os.getpid()}",
            "COFFER_STORAGE": "fs",
            "COFFER_BLOB_ROOT": str(work_dir / "blobs"),
        })
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.db import connection, connections

        from vault import services

        call_command("migrate", "--noinput", verbosity=0)
        settings.COFFER_KDF_PROFILE = PRODUCTION_DEFAULT  # the test settings say "test"
        users = []
        for index in range(burst):
            user = get_user_model().objects.create_user(username=f"bench{index}", password="unused-password-1")
            services.vault_setup(user=user, pin="482915")
            users.append(user)

        in_flight = 0
        lock = threading.Lock()
        timeline: list[tuple[float, int]] = []
        original = services.derive_pin_key

        def counted(*args, **kwargs):
            nonlocal in_flight
            with lock:
                in_flight += 1
                timeline.append((time.perf_counter(), in_flight))
            try:
                return original(*args, **kwargs)
            finally:
                with lock:
                    in_flight -= 1
                    timeline.append((time.perf_counter(), in_flight))

        services.derive_pin_key = counted
        rows = []
        try:
            for cap in caps:
                services._unlock_slots = threading.BoundedSemaphore(cap)
                timeline.clear()
                gate = threading.Barrier(burst + 1)
                outcomes: list[str] = []

                def one(user) -> None:
                    gate.wait()
                    try:
                        services.vault_unlock(user=user, pin="482915")
                        outcomes.append("ok")
                    except services.VaultError as exc:
                        outcomes.append(exc.code if hasattr(exc, "code") else type(exc).__name__)
                    finally:
                        connections.close_all()

                threads = [threading.Thread(target=one, args=(user,)) for user in users]
                for thread in threads:
                    thread.start()
                _reset_peak_rss()
                rss_before = _vm_hwm_mib()
                gate.wait()
                start = time.perf_counter()
                for thread in threads:
                    thread.join()
                wall = time.perf_counter() - start
                rows.append({
                    "cap": cap,
                    "burst": burst,
                    "ok": outcomes.count("ok"),
                    "refused": len(outcomes) - outcomes.count("ok"),
                    "peak_concurrent": max(n for _, n in timeline),
                    "wall_s": round(wall, 3),
                    "unlocks_per_second": round(outcomes.count("ok") / wall, 2),
                    "peak_rss_growth_mib": round(_vm_hwm_mib() - rss_before, 1),
                    "timeline": [(round(t - start, 4), n) for t, n in timeline],
                })
        finally:
            services.derive_pin_key = original
            connection.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--burst", type=int, default=16)
    parser.add_argument("--caps", default="1,2,4")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    rows = [measure(name, args.rounds if name != "sensitive" else max(3, args.rounds // 3)) for name in PROFILES]
    print(f"{'profile':<12}{'memory':>9}{'t':>4}{'p':>3}{'median':>11}{'p95':>11}{'unlocks/s':>12}")
    for row in rows:
        marker = "  <- production default" if row["profile"] == PRODUCTION_DEFAULT else ""
        print(f"{row['profile']:<12}{row['memory_mib']:>7.2f}Mi{row['iterations']:>4}{row['parallelism']:>3}"
              f"{row['median_ms']:>9.1f}ms{row['p95_ms']:>9.1f}ms{row['unlocks_per_second']:>12.2f}{marker}")
    default = next(r for r in rows if r["profile"] == PRODUCTION_DEFAULT)
    verdict = "meets" if default["median_ms"] < TARGET_MS else "MISSES"
    print(f"\nproduction default median {default['median_ms']} ms on {default['workers']} cores: "
          f"{verdict} the {TARGET_MS} ms target (ratio {default['median_ms'] / TARGET_MS:.2f})")

    allocation = [measure_allocation(name, args.rounds if name != "sensitive" else max(3, args.rounds // 3))
                  for name in PROFILES if name != "test"]
    print("\nArgon2id's memory: argon2-cffi's hash_secret_raw (malloc) against derive_pin_key (huge pages), interleaved")
    print(f"{'profile':<12}{'hash_secret_raw':>17}{'faults':>8}{'derive_pin_key':>16}{'faults':>8}{'ratio':>7}")
    for row in allocation:
        print(f"{row['profile']:<12}{row['hash_secret_raw_median_ms']:>15.1f}ms{row['hash_secret_raw_faults']:>8}"
              f"{row['derive_pin_key_median_ms']:>14.1f}ms{row['derive_pin_key_faults']:>8}"
              f"{row['derive_pin_key_median_ms'] / row['hash_secret_raw_median_ms']:>7.2f}")

    caps = [int(c) for c in args.caps.split(",")]
    cap_rows = measure_cap(caps, args.burst, args.db)
    default_cap = int(os.environ.get("COFFER_UNLOCK_CONCURRENCY", 4))
    print(f"\nburst of {args.burst} concurrent unlocks through vault_unlock ({PRODUCTION_DEFAULT}), "
          f"{os.cpu_count()} cores; COFFER_UNLOCK_CONCURRENCY default {default_cap}")
    print(f"{'cap':>4}{'peak in flight':>16}{'ok':>5}{'refused':>9}{'wall':>9}{'unlocks/s':>11}{'RSS growth':>12}")
    for row in cap_rows:
        print(f"{row['cap']:>4}{row['peak_concurrent']:>16}{row['ok']:>5}{row['refused']:>9}{row['wall_s']:>8.2f}s"
              f"{row['unlocks_per_second']:>11.2f}{row['peak_rss_growth_mib']:>9.1f}MiB")
    held = all(row["peak_concurrent"] <= row["cap"] for row in cap_rows)
    print(f"the cap {'HOLDS' if held else 'DOES NOT HOLD'}: peak Argon2 calls in flight "
          f"{[row['peak_concurrent'] for row in cap_rows]} for caps {caps}")
    shown = next((row for row in cap_rows if row["cap"] == default_cap), cap_rows[-1])
    result = {
        "target_ms": TARGET_MS,
        "profiles": rows,
        "allocation": allocation,
        "cap": {"cap": shown["cap"], "burst": shown["burst"], "peak_concurrent": shown["peak_concurrent"],
                "timeline": shown["timeline"], "held": held},
        "cap_runs": [{k: v for k, v in row.items() if k != "timeline"} for row in cap_rows],
    }
    out = ROOT / "bench" / "results" / "unlock.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    from bench.plot import draw_unlock

    draw_unlock(result)
    if not held:
        sys.exit(1)


if __name__ == "__main__":
    main()
