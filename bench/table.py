"""Issue 20's table, every row from the bench results of one run.

    python bench/table.py [--since EPOCH] [--out bench/results/table.md]

Reads bench/results/records.json (list, read, reveal, create, unlock), files.json (uploads,
download, worker RSS growth), rotation.json (rewrap) and rotation-s3.json (reencrypt
against a raw S3 copy), and prints `figure | Coffer | baseline | ratio | target | met?` as a
Markdown table. `make bench` passes --since, the time its run began: a result written
before it (its "started_at", else the file's mtime) is refused, and so is a missing one;
the row says so and the exit status is 1. The first `make run` on a fresh machine is not
measured by the bench (it needs a fresh clone and empty caches): its row reads the
README's recorded figure and says "recorded". After the table, each row against its floor
where the run measured one (the baseline plus only the cryptography and guarantees Coffer's
design cannot skip: bench/plain/floor.py, bench/rotation.py's floor_reencrypt). Also
writes both to --out.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SOURCES = ("records", "files", "rotation", "rotation-s3")
MiB = 1024 * 1024
RSS_TARGET_MIB = 32
FIRST_RUN_TARGET_S = 30
_FIRST_RUN = re.compile(r"^\| `make run` until the first page answers \| ([\d.]+) s", re.MULTILINE)


@dataclass
class Row:
    figure: str
    coffer: str
    baseline: str
    ratio: str
    target: str
    met: str

    def cells(self) -> list[str]:
        return [self.figure, self.coffer, self.baseline, self.ratio, self.target, self.met]


class Stale(Exception):
    pass


def load(results: Path, since: float | None) -> dict[str, dict | str]:
    """Each source's result, or a string saying why there is none from this run."""
    loaded: dict[str, dict | str] = {}
    for name in SOURCES:
        path = results / f"{name}.json"
        if not path.exists():
            loaded[name] = f"no bench/results/{name}.json"
            continue
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            loaded[name] = f"bench/results/{name}.json unreadable: {exc}"
            continue
        written = data.get("started_at", path.stat().st_mtime)
        if since is not None and written < since:
            loaded[name] = f"bench/results/{name}.json is older than this run"
            continue
        loaded[name] = data
    return loaded


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def _missing(figure: str, why: str, target: str) -> Row:
    return Row(figure, f"not measured ({why})", "", "", target, "?")


def _rps_rows(records: dict | str) -> list[Row]:
    figures = {"list": "list of 50 records", "read": "read one record", "reveal": "reveal one record (audited)",
               "create": "create a record"}
    baselines = {"list": "minimal DRF list", "read": "minimal DRF read", "reveal": "minimal DRF read",
                 "create": "minimal DRF create"}
    rows = []
    for op, figure in figures.items():
        target = {"list": 0.9, "read": 0.9, "reveal": 0.8, "create": 0.85}[op]
        result = records.get("operations", {}).get(op) if isinstance(records, dict) else None
        if not result:
            rows.append(_missing(figure, records if isinstance(records, str) else "not in records.json", f">= {target}"))
            continue
        rows.append(Row(figure, f"{result['encrypted']['rps']:.0f} req/s",
                        f"{baselines[op]}: {result['plain']['rps']:.0f} req/s", f"{result['ratio']:.2f}",
                        f">= {target}", _yes(result["ratio"] >= target)))
    return rows


def _throughput(files: dict, size: int) -> dict | None:
    for row in files.get("throughputs") or [{"size": files.get("size"), "api": files.get("api"),
                                              "boto3": files.get("boto3"), "ratio": files.get("ratio")}]:
        if row.get("size") == size:
            return row
    return None


def _file_rows(files: dict | str) -> list[Row]:
    why = files if isinstance(files, str) else None
    rows = []
    wanted = (("upload", MiB, "upload 1 MiB (a typical scan)", 0.7), ("upload", 64 * MiB, "upload 64 MiB", 0.9),
              ("upload", 512 * MiB, "upload 512 MiB", 0.9), ("download", 64 * MiB, "download 64 MiB", 0.95))
    for way, size, figure, target in wanted:
        row = _throughput(files, size) if not why else None
        if not row:
            rows.append(_missing(figure, why or f"no {size // MiB} MiB size in files.json", f">= {target}"))
            continue
        ratio = row["ratio"][way]
        if size == MiB:
            coffer, baseline = f"{row['api'][f'{way}_ms_p50']:.0f} ms", f"raw boto3 put: {row['boto3'][f'{way}_ms_p50']:.0f} ms"
        else:
            coffer = f"{row['api'][f'{way}_mib_s']:.0f} MiB/s"
            baseline = f"raw boto3 {'put' if way == 'upload' else 'get'}: {row['boto3'][f'{way}_mib_s']:.0f} MiB/s"
        rows.append(Row(figure, coffer, baseline, f"{ratio:.2f}", f">= {target}", _yes(ratio >= target)))
    for size, label in ((16 * MiB, "16 MiB"), (128 * MiB, "128 MiB"), (1024 * MiB, "1 GiB")):
        figure = f"worker RSS growth during an upload of {label}"
        found = [r for r in (files.get("rss") or []) if r.get("size") == size] if not why else []
        if not found or "upload_growth_mib" not in found[0]:
            rows.append(_missing(figure, why or f"no {label} RSS row in files.json", f"<= {RSS_TARGET_MIB} MiB"))
            continue
        growth = found[0]["upload_growth_mib"]
        rows.append(Row(figure, f"+{growth:.0f} MiB", "—", "—", f"<= {RSS_TARGET_MIB} MiB",
                        _yes(growth <= RSS_TARGET_MIB)))
    return rows


def _unlock_row(records: dict | str) -> Row:
    figure = "unlock at production parameters (p50)"
    unlock = records.get("unlock") if isinstance(records, dict) else None
    if not unlock:
        return _missing(figure, records if isinstance(records, str) else "no unlock in records.json", "<= 1.05x")
    return Row(figure, f"{unlock['api_p50_ms']:.0f} ms",
               f"raw Argon2id, same parameters: {unlock['raw_argon2id_p50_ms']:.0f} ms",
               f"{unlock['ratio']:.2f}x", f"<= {unlock['target']}x", _yes(unlock["ratio"] <= unlock["target"]))


def _run(rotation: dict, mode: str) -> dict | None:
    return next((run for run in rotation.get("runs", []) if run.get("mode") == mode), None)


def _rotation_rows(rotation: dict | str, rotation_s3: dict | str) -> list[Row]:
    rows = []
    figure = "rewrap, worker SIGKILLed half-way (wall)"
    run = _run(rotation, "rewrap (wall)") if isinstance(rotation, dict) else None
    if run:
        figure = f"rewrap of {run['items']:,} items, worker SIGKILLed half-way (wall)"
        before = _run(rotation, "rewrap 1-by-1")
        baseline = f"one at a time (before): {before['items_per_second']:.0f} items/s" if before else "—"
        rows.append(Row(figure, f"{run['items_per_second']:.0f} items/s", baseline, "—", ">= 1,000 items/s",
                        _yes(run["items_per_second"] >= 1000)))
    else:
        rows.append(_missing(figure, rotation if isinstance(rotation, str) else "no rewrap run in rotation.json",
                             ">= 1,000 items/s"))
    figure = "reencrypt of files"
    run = _run(rotation_s3, "reencrypt") if isinstance(rotation_s3, dict) else None
    if run and run.get("raw_copy_mib_per_second"):
        size = rotation_s3.get("file_size", 0) / MiB
        figure = f"reencrypt of {rotation_s3.get('files')} x {size:.0f} MiB files"
        rows.append(Row(figure, f"{run['file_mib_per_second']:.0f} MiB/s",
                        f"raw S3 copy: {run['raw_copy_mib_per_second']:.0f} MiB/s", f"{run['ratio']:.2f}", ">= 0.8",
                        _yes(run["ratio"] >= 0.8)))
    else:
        rows.append(_missing(figure, rotation_s3 if isinstance(rotation_s3, str)
                             else "no reencrypt run against a raw copy in rotation-s3.json", ">= 0.8"))
    return rows


def _first_run_row(readme: Path) -> Row:
    figure = "first `make run` on a fresh machine"
    match = _FIRST_RUN.search(readme.read_text()) if readme.exists() else None
    if not match:
        return _missing(figure, "not in this run, nor in the README", f"<= {FIRST_RUN_TARGET_S} s")
    seconds = float(match.group(1))
    try:
        date = subprocess.run(["git", "log", "-1", "--format=%cs", "-S", f"| {match.group(1)} s", "--", readme.name],
                              cwd=readme.parent, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        date = ""
    return Row(figure, f"{seconds:g} s before the first page (recorded {date or 'earlier'}, README; not this run)",
               "—", "—", f"<= {FIRST_RUN_TARGET_S} s", _yes(seconds <= FIRST_RUN_TARGET_S) + " (recorded)")


def build(loaded: dict[str, dict | str], readme: Path) -> list[Row]:
    return [
        *_rps_rows(loaded["records"]),
        *_file_rows(loaded["files"]),
        _unlock_row(loaded["records"]),
        *_rotation_rows(loaded["rotation"], loaded["rotation-s3"]),
        _first_run_row(readme),
    ]


FLOOR_HEADER = ("| figure | Coffer | floor: the baseline + the crypto and guarantees | Coffer / floor "
                "| floor / baseline |")


def floor_rows(loaded: dict[str, dict | str]) -> list[list[str]]:
    """How far each row is from its floor: the baseline plus only the work Coffer's
    design cannot skip (bench/plain/floor.py for the records and files rows, the
    floor_reencrypt of bench/rotation.py for reencrypt). Throughputs, so every ratio
    reads "higher is better". A row without a measured floor is left out."""
    rows = []
    records = loaded.get("records")
    for op, figure in (("list", "list of 50 records"), ("read", "read one record"),
                       ("reveal", "reveal one record (audited)"), ("create", "create a record")):
        result = (records.get("operations", {}).get(op) or {}) if isinstance(records, dict) else {}
        if "floor" not in result:
            continue
        coffer, floor, plain = (result[side]["rps"] for side in ("encrypted", "floor", "plain"))
        rows.append([figure, f"{coffer:.0f} req/s", f"{floor:.0f} req/s", f"{coffer / floor:.2f}",
                     f"{floor / plain:.2f}"])
    files = loaded.get("files")
    for way, size, figure in (("upload", MiB, "upload 1 MiB (a typical scan)"), ("upload", 64 * MiB, "upload 64 MiB"),
                              ("upload", 512 * MiB, "upload 512 MiB"), ("download", 64 * MiB, "download 64 MiB")):
        row = _throughput(files, size) if isinstance(files, dict) else None
        if not row or "floor" not in row:
            continue
        if size == MiB:
            coffer, floor, raw = (row[side][f"{way}_ms_p50"] for side in ("api", "floor", "boto3"))
            rows.append([figure, f"{coffer:.0f} ms", f"{floor:.0f} ms", f"{floor / coffer:.2f}", f"{raw / floor:.2f}"])
        else:
            coffer, floor, raw = (row[side][f"{way}_mib_s"] for side in ("api", "floor", "boto3"))
            rows.append([figure, f"{coffer:.0f} MiB/s", f"{floor:.0f} MiB/s", f"{coffer / floor:.2f}",
                         f"{floor / raw:.2f}"])
    rotation_s3 = loaded.get("rotation-s3")
    run = _run(rotation_s3, "reencrypt") if isinstance(rotation_s3, dict) else None
    if run and run.get("floor_mib_per_second") and run.get("raw_copy_mib_per_second"):
        coffer, floor, raw = run["file_mib_per_second"], run["floor_mib_per_second"], run["raw_copy_mib_per_second"]
        size = rotation_s3.get("file_size", 0) / MiB
        rows.append([f"reencrypt of {rotation_s3.get('files')} x {size:.0f} MiB files", f"{coffer:.0f} MiB/s",
                     f"{floor:.0f} MiB/s", f"{coffer / floor:.2f}", f"{floor / raw:.2f}"])
    return rows


def floor_markdown(rows: list[list[str]]) -> str:
    if not rows:
        return ""
    lines = [FLOOR_HEADER, "|---|---|---|---|---|"] + ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown(rows: list[Row]) -> str:
    lines = ["| figure | Coffer | baseline | ratio | target | met? |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--since", type=float, default=None, help="the run's start (seconds since the epoch)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=RESULTS / "table.md")
    args = parser.parse_args(argv)
    loaded = load(args.results, args.since)
    rows = build(loaded, ROOT / "README.md")
    text = markdown(rows)
    floors = floor_markdown(floor_rows(loaded))
    if floors:
        text += "\nThe rows against their floor (bench/plain/floor.py, bench/rotation.py's floor_reencrypt):\n\n" + floors
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(args.since)) if args.since else "any time"
    print(f"issue 20's table, results written since {started}:")
    print(text, end="")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    refused = [why for why in loaded.values() if isinstance(why, str)]
    for why in refused:
        print(f"refused: {why}", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
