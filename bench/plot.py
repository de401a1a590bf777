"""PNG plots of the bench results, into docs/performance/ for docs/performance.md.

    python bench/plot.py            # redraws every plot from bench/results/*.json

The bench scripts call the draw_* function for their own result after writing its JSON;
`make bench` runs this file last, so every result (bench/files.py's too) has its plot.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PLOTS = ROOT / "docs" / "performance"


def _save(fig, name: str) -> Path:
    PLOTS.mkdir(parents=True, exist_ok=True)
    out = PLOTS / f"{name}.png"
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    print(f"wrote {out.relative_to(ROOT)}")
    return out


def _bars(ax, labels, values, *, fmt="{:.1f}"):
    bars = ax.bar(labels, values, color=["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b2"][: len(values)])
    for bar, value in zip(bars, values):
        ax.annotate(fmt.format(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                    ha="center", va="bottom", fontsize=8)


def draw_unlock(result: dict) -> Path:
    rows = [r for r in result["profiles"] if r["profile"] != "test"]
    cap = result.get("cap")
    fig, axes = plt.subplots(1, 3 if cap else 2, figsize=(13 if cap else 9, 3.8))
    names = [r["profile"] for r in rows]
    x = range(len(rows))
    axes[0].bar([i - 0.2 for i in x], [r["median_ms"] for r in rows], 0.4, label="median")
    axes[0].bar([i + 0.2 for i in x], [r["p95_ms"] for r in rows], 0.4, label="p95")
    axes[0].axhline(result["target_ms"], color="red", ls="--", lw=1, label=f"target {result['target_ms']} ms")
    axes[0].set_xticks(list(x), names)
    axes[0].set_ylabel("ms per unlock")
    axes[0].set_title("Unlock time per Argon2id profile")
    axes[0].legend(fontsize=8)
    _bars(axes[1], names, [r["unlocks_per_second"] for r in rows], fmt="{:.2f}")
    axes[1].set_ylabel("unlocks / s")
    axes[1].set_title(f"Raw KDF throughput ({rows[0]['workers']} threads)")
    if cap:
        series = cap["timeline"]
        axes[2].step([p[0] for p in series], [p[1] for p in series], where="post", label="Argon2 calls in flight")
        axes[2].axhline(cap["cap"], color="red", ls="--", lw=1, label=f"cap = {cap['cap']}")
        axes[2].set_xlabel("s since the burst began")
        axes[2].set_ylabel("concurrent Argon2 calls")
        axes[2].set_title(f"Burst of {cap['burst']} unlocks through the service")
        axes[2].set_ylim(0, max(cap["cap"], cap["peak_concurrent"]) + 1)
        axes[2].legend(fontsize=8, loc="lower right")
    return _save(fig, "unlock")


def draw_records(result: dict) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ops = list(result["operations"])
    x = range(len(ops))
    sides = [("encrypted", "Coffer (encrypted)"), ("plain", "plain DRF")]
    if all("floor" in result["operations"][op] for op in ops):
        sides.append(("floor", "floor: plain DRF + the crypto and guarantees"))
    width = 0.8 / len(sides)
    for index, (side, label) in enumerate(sides):
        offset = (index - (len(sides) - 1) / 2) * width
        rps = [result["operations"][op][side]["rps"] for op in ops]
        axes[0].bar([i + offset for i in x], rps, width, label=label)
        axes[1].bar([i + offset for i in x], [result["operations"][op][side]["p95_ms"] for op in ops], width,
                    label=label)
    for op_index, op in enumerate(ops):
        target = result["operations"][op].get("target", result["target_ratio"])
        axes[0].annotate(f"{result['operations'][op]['ratio']:.2f}\n(>= {target})",
                         (op_index - (len(sides) - 1) / 2 * width, result["operations"][op]["encrypted"]["rps"]),
                         ha="center", va="bottom", fontsize=7)
    axes[0].set_xticks(list(x), ops)
    axes[0].set_ylabel("requests / s")
    axes[0].set_title("Throughput (ratio and its target above the bars)")
    axes[0].legend(fontsize=8)
    axes[1].set_xticks(list(x), ops)
    axes[1].set_ylabel("p95 latency, ms")
    axes[1].set_title("p95 latency")
    return _save(fig, "records")


def draw_files(result: dict) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    rows = result.get("throughputs") or [{"size": result["size"], "api": result["api"], "boto3": result["boto3"]}]
    labels, api_values, raw_values = [], [], []
    for row in rows:
        for key in ("upload_mib_s", "download_mib_s"):
            if key in row["api"] and key in row["boto3"]:
                labels.append(f"{key.split('_')[0]}\n{row['size'] / 2**20:.0f} MiB")
                api_values.append(row["api"][key])
                raw_values.append(row["boto3"][key])
    x = range(len(labels))
    axes[0].bar([i - 0.2 for i in x], api_values, 0.4, label="API (gunicorn)")
    axes[0].bar([i + 0.2 for i in x], raw_values, 0.4, label="raw boto3")
    for i, (api_value, raw_value) in enumerate(zip(api_values, raw_values)):
        axes[0].annotate(f"{api_value / raw_value:.2f}", (i - 0.2, api_value), ha="center", va="bottom", fontsize=7)
    axes[0].set_xticks(list(x), labels, fontsize=8)
    axes[0].set_ylabel("MiB / s")
    axes[0].set_title("File throughput (API / boto3 ratio on the bars)")
    axes[0].legend(fontsize=8)
    rss = result.get("rss") or []
    if rss:
        sizes = [f"{r['size'] / 2**20:.0f} MiB" for r in rss]
        if "upload_growth_mib" in rss[0]:
            x = range(len(rss))
            axes[1].bar([i - 0.2 for i in x], [r["upload_growth_mib"] for r in rss], 0.4, label="during the upload")
            axes[1].bar([i + 0.2 for i in x], [r["download_growth_mib"] for r in rss], 0.4, label="during the download")
            axes[1].axhline(32, color="red", ls="--", lw=1, label="target 32 MiB")
            axes[1].set_xticks(list(x), sizes)
            axes[1].set_ylabel("worker RSS growth, MiB")
            axes[1].set_title("Worker RSS growth against file size")
            axes[1].legend(fontsize=8)
        else:
            _bars(axes[1], sizes, [r["peak_rss_mib"] for r in rss])
            axes[1].set_ylabel("worker peak RSS, MiB")
            axes[1].set_title("Peak RSS against file size")
        axes[1].set_xlabel("file size")
    else:
        axes[1].axis("off")
    return _save(fig, "files")


def draw_list_scaling(result: dict) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    sizes = [row["records"] for row in result["sizes"]]
    for page, marker in (("first", "o"), ("last", "s")):
        ax.plot(sizes, [row[f"{page}_p50_ms"] for row in result["sizes"]], marker=marker, label=f"{page} page")
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("records in the vault")
    ax.set_ylabel("p50 latency, ms")
    ax.set_title(f"Records list, {result['page']} a page, against the vault's size")
    ax.legend(fontsize=8)
    return _save(fig, "list_scaling")


def draw_rotation(result: dict) -> Path:
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    modes = [r["mode"] for r in result["runs"]]
    _bars(axes[0], modes, [r["items_per_second"] for r in result["runs"]])
    axes[0].set_ylabel("items / s")
    axes[0].set_title(f"Rotation, {result['records']} records + {result['files']} files")
    _bars(axes[1], modes, [r["mib_per_second"] for r in result["runs"]], fmt="{:.2f}")
    axes[1].set_ylabel("MiB / s")
    axes[1].set_title("Rotation throughput (bytes processed)")
    return _save(fig, "rotation")


DRAW = {"unlock": draw_unlock, "records": draw_records, "files": draw_files, "rotation": draw_rotation,
        "list_scaling": draw_list_scaling}


def main() -> int:
    failures = 0
    for name, draw in DRAW.items():
        path = RESULTS / f"{name}.json"
        if not path.exists():
            print(f"no {path.relative_to(ROOT)}: no {name} plot")
            continue
        try:
            draw(json.loads(path.read_text()))
        except (KeyError, TypeError, ValueError) as exc:
            print(f"could not plot {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
