"""Unlock cost: the median and p95 time of a full unlock (Argon2id, HKDF, unwrap) per
Argon2id profile, and how many unlocks per second the machine's cores sustain.

    python bench/unlock.py [--rounds N]

Target: the production default ("moderate": 64 MiB, t=3, p=1) under 500 ms on 2 cores.
Prints a table and writes bench/results/unlock.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vault.crypto.context import Context  # noqa: E402
from vault.crypto.kdf import PROFILES, derive_pin_key  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
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
    out = ROOT / "bench" / "results" / "unlock.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"target_ms": TARGET_MS, "profiles": rows}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
