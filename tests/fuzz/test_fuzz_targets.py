"""Each atheris target in fuzz/ runs for a bounded time; any crash fails the test.

COFFER_FUZZ_SECONDS (default 8, `make test` passes FUZZ_TEST_SECONDS) sets the time
per target, COFFER_FUZZ_JOBS (default 2, one per core) how many run at once. Each
starts from its seed corpus in fuzz/corpus/<target>/, which holds every regression
input, so a fixed bug stays fixed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus"
TARGETS = sorted(path.name for path in CORPUS.iterdir() if path.is_dir())
SECONDS = int(os.environ.get("COFFER_FUZZ_SECONDS", "8"))
JOBS = int(os.environ.get("COFFER_FUZZ_JOBS", "2"))


def _fuzz(target: str, workdir: Path) -> subprocess.CompletedProcess:
    learned = workdir / "learned"
    learned.mkdir(parents=True)
    command = [
        sys.executable, "-m", f"fuzz.{target}", f"-max_total_time={SECONDS}", "-timeout=20", "-rss_limit_mb=2048",
        "-print_final_stats=1", f"-artifact_prefix={workdir}/", str(learned), str(CORPUS / target),
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=SECONDS + 120)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Starts every target at once (JOBS at a time); each test waits for its own."""
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        yield {t: pool.submit(_fuzz, t, tmp_path_factory.mktemp(f"fuzz-{t}")) for t in TARGETS}


def test_every_target_has_a_module_and_seeds():
    assert len(TARGETS) >= 10
    for target in TARGETS:
        assert (ROOT / "fuzz" / f"{target}.py").is_file(), target
        assert any((CORPUS / target).iterdir()), target


@pytest.mark.parametrize("target", TARGETS)
def test_the_target_finds_no_crash(runs: dict[str, Future], target: str):
    result = runs[target].result()
    output = result.stdout + result.stderr
    crashes = sorted(Path(p) for p in re.findall(r"Test unit written to (\S+)", output))
    reproduce = "".join(f"\n  reproduce: python -m fuzz.{target} {path}\n  input: {path.read_bytes()[:300]!r}"
                        for path in crashes if path.exists())
    tail = "\n".join(output.splitlines()[-40:])
    assert result.returncode == 0, f"fuzz.{target} failed (exit {result.returncode}):{reproduce}\n{tail}"
    executed = re.search(r"stat::number_of_executed_units: (\d+)", output)
    assert executed and int(executed.group(1)) >= 1000, f"fuzz.{target} hardly ran:\n{tail}"
