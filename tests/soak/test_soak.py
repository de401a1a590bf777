"""A short soak: `make soak` for about a minute, with three kills of each kind."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(
    r"^soak: kills=(?P<kills>\d+) \(worker=(?P<worker>\d+) web=(?P<web>\d+) s3=(?P<s3>\d+)\) "
    r"operations=(?P<operations>\d+) items_checked=(?P<items>\d+) lost=(?P<lost>\d+) orphans=(?P<orphans>\d+) "
    r"missing_blobs=(?P<missing>\d+) 5xx=(?P<errors>\d+) \(outside kills\)$",
    re.MULTILINE,
)


def test_a_short_soak_loses_nothing_and_leaves_no_orphans():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SOAK_", "PYTEST"))}
    env.update({"SOAK_KILLS": "9", "SOAK_KILL_INTERVAL": "5", "SOAK_SECONDS": "90"})
    if "DATABASE_URL" in os.environ:
        env["SOAK_DATABASE_URL"] = os.environ["DATABASE_URL"]

    result = subprocess.run([sys.executable, "-m", "soak"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)

    output = result.stdout + result.stderr
    summary = SUMMARY.search(result.stdout)
    assert summary is not None, output[-6000:]
    counts = {name: int(value) for name, value in summary.groupdict().items()}
    assert min(counts["worker"], counts["web"], counts["s3"]) >= 2, summary.group(0)
    assert counts["operations"] > 100 and counts["items"] > 0, summary.group(0)
    assert (counts["lost"], counts["orphans"], counts["missing"], counts["errors"]) == (0, 0, 0, 0), output[-6000:]
    assert result.returncode == 0, output[-6000:]
