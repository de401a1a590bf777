"""bench/table.py (make bench's last step) reads the bench results into issue 20's table,
and refuses results older than the run. Parsing only: nothing is measured here."""

import json
import os

from bench import table

MiB = 1024 * 1024


def _results(tmp_path, started_at: float) -> None:
    ops = {op: {"encrypted": {"rps": 90.0}, "plain": {"rps": 100.0}, "ratio": 0.9} for op in ("list", "read", "reveal")}
    ops["create"] = {"encrypted": {"rps": 40.0}, "plain": {"rps": 100.0}, "ratio": 0.4}
    records = {"started_at": started_at, "operations": ops,
               "unlock": {"api_p50_ms": 200.0, "raw_argon2id_p50_ms": 190.0, "ratio": 1.053, "target": 1.05}}

    def way(size, api_ms, raw_ms):
        api = {"upload_ms_p50": api_ms, "upload_mib_s": size / MiB / api_ms * 1000,
               "download_ms_p50": api_ms, "download_mib_s": size / MiB / api_ms * 1000}
        raw = {"upload_ms_p50": raw_ms, "upload_mib_s": size / MiB / raw_ms * 1000,
               "download_ms_p50": raw_ms, "download_mib_s": size / MiB / raw_ms * 1000}
        return {"size": size, "api": api, "boto3": raw, "ratio": {"upload": round(raw_ms / api_ms, 2),
                                                                  "download": round(raw_ms / api_ms, 2)}}

    files = {"started_at": started_at, "throughputs": [way(MiB, 20, 10), way(64 * MiB, 700, 600), way(512 * MiB, 5000, 4600)],
             "rss": [{"size": 16 * MiB, "upload_growth_mib": 12.0}, {"size": 128 * MiB, "upload_growth_mib": 31.5},
                     {"size": 1024 * MiB, "upload_growth_mib": 33.0}]}
    rotation = {"runs": [{"mode": "rewrap 1-by-1", "items_per_second": 99.0},
                         {"mode": "rewrap (wall)", "items": 10_000, "items_per_second": 1500.0}]}
    rotation_s3 = {"files": 20, "file_size": 10 * MiB,
                   "runs": [{"mode": "reencrypt", "file_mib_per_second": 50.0, "raw_copy_mib_per_second": 200.0,
                             "ratio": 0.25}]}
    for name, data in (("records", records), ("files", files), ("rotation", rotation), ("rotation-s3", rotation_s3)):
        (tmp_path / f"{name}.json").write_text(json.dumps(data))


def test_every_row_of_the_table_from_fresh_results(tmp_path):
    _results(tmp_path, started_at=1000.0)
    readme = tmp_path / "README.md"
    readme.write_text("| `make run` until the first page answers | 13.4 s (21–27 s beside other work) | 20.6 s |\n")
    rows = {row.figure: row for row in table.build(table.load(tmp_path, since=999.0), readme)}

    assert len(rows) == 15
    assert not [row for row in rows.values() if row.met == "?"]
    assert rows["list of 50 records"].cells()[1:] == ["90 req/s", "minimal DRF list: 100 req/s", "0.90", ">= 0.9", "yes"]
    assert rows["create a record"].met == "**no**"
    assert rows["upload 1 MiB (a typical scan)"].coffer == "20 ms"
    assert rows["upload 1 MiB (a typical scan)"].ratio == "0.50"
    assert rows["download 64 MiB"].ratio == "0.86" and rows["download 64 MiB"].met == "**no**"
    assert rows["worker RSS growth during an upload of 128 MiB"].met == "yes"
    assert rows["worker RSS growth during an upload of 1 GiB"].met == "**no**"
    assert rows["unlock at production parameters (p50)"].ratio == "1.05x"
    assert rows["unlock at production parameters (p50)"].met == "**no**"  # 1.053 > 1.05, whatever the rounding
    assert rows["rewrap of 10,000 items, worker SIGKILLed half-way (wall)"].met == "yes"
    assert rows["reencrypt of 20 x 10 MiB files"].baseline == "raw S3 copy: 200 MiB/s"
    first = rows["first `make run` on a fresh machine"]
    assert "13.4 s" in first.coffer and "recorded" in first.coffer and first.met == "yes (recorded)"
    assert table.markdown(list(rows.values())).count("\n") == 17


def test_results_older_than_the_run_are_refused(tmp_path):
    _results(tmp_path, started_at=1000.0)
    os.utime(tmp_path / "rotation.json", (500.0, 500.0))  # no started_at: its mtime counts
    (tmp_path / "rotation-s3.json").unlink()
    loaded = table.load(tmp_path, since=1001.0)

    assert loaded["records"] == "bench/results/records.json is older than this run"
    assert loaded["files"] == "bench/results/files.json is older than this run"
    assert loaded["rotation"] == "bench/results/rotation.json is older than this run"
    assert loaded["rotation-s3"] == "no bench/results/rotation-s3.json"
    rows = table.build(loaded, tmp_path / "README.md")
    assert [row.met for row in rows] == ["?"] * 15
    assert "older than this run" in rows[0].coffer and "not measured" in rows[-1].coffer


def test_main_exits_1_when_a_result_is_refused(tmp_path, capsys):
    _results(tmp_path, started_at=1000.0)
    out = tmp_path / "table.md"
    assert table.main(["--results", str(tmp_path), "--since", "999", "--out", str(out)]) == 0
    assert table.main(["--results", str(tmp_path), "--since", "2000", "--out", str(out)]) == 1
    assert "refused: bench/results/records.json is older than this run" in capsys.readouterr().err


def test_each_row_against_its_floor(tmp_path):
    _results(tmp_path, started_at=1000.0)
    records = json.loads((tmp_path / "records.json").read_text())
    for op in ("read", "reveal"):
        records["operations"][op]["floor"] = {"rps": 60.0}
    (tmp_path / "records.json").write_text(json.dumps(records))
    files = json.loads((tmp_path / "files.json").read_text())
    files["throughputs"][0]["floor"] = {"upload_ms_p50": 16.0, "download_ms_p50": 16.0}  # 1 MiB
    files["throughputs"][1]["floor"] = {"upload_mib_s": 80.0, "download_mib_s": 100.0}  # 64 MiB
    (tmp_path / "files.json").write_text(json.dumps(files))
    rotation_s3 = json.loads((tmp_path / "rotation-s3.json").read_text())
    rotation_s3["runs"][0]["floor_mib_per_second"] = 100.0
    (tmp_path / "rotation-s3.json").write_text(json.dumps(rotation_s3))
    loaded = table.load(tmp_path, since=999.0)

    rows = {row[0]: row for row in table.floor_rows(loaded)}
    assert list(rows) == ["read one record", "reveal one record (audited)", "upload 1 MiB (a typical scan)",
                          "upload 64 MiB", "download 64 MiB", "reencrypt of 20 x 10 MiB files"]  # no floor, no row
    assert rows["read one record"] == ["read one record", "90 req/s", "60 req/s", "1.50", "0.60"]
    # Times for 1 MiB: Coffer's 20 ms against the floor's 16, the floor's 16 against raw boto3's 10.
    assert rows["upload 1 MiB (a typical scan)"][1:] == ["20 ms", "16 ms", "0.80", "0.62"]
    assert rows["upload 64 MiB"][3:] == [f"{64 / 0.7 / 80:.2f}", f"{80 / (64 / 0.6):.2f}"]
    assert rows["reencrypt of 20 x 10 MiB files"][1:] == ["50 MiB/s", "100 MiB/s", "0.50", "0.50"]
    text = table.floor_markdown(list(rows.values()))
    assert text.startswith(table.FLOOR_HEADER) and text.count("\n") == 8
    assert table.floor_rows({name: "missing" for name in table.SOURCES}) == [] and table.floor_markdown([]) == ""
