"""Audit the pinned dependencies for known vulnerabilities with pip-audit (`make audit-deps`).

    python scripts/audit_deps.py [requirements files...]

Exit 1 on any known vulnerability, and when pip-audit itself fails for a reason
other than the network. PyPI's JSON API is asked first, then OSV. Without a route
to either nothing can be audited: that is reported loudly as NOT AUDITED, and the
exit status is 0, so a build without network still runs its tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILES = ("requirements.txt", "requirements-dev.txt")
TIMEOUT_SECONDS = 300
SERVICES = ("pypi", "osv")
NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out", "Timeout")


def verdict(report: dict) -> tuple[int, str]:
    """The exit status and what to print, from pip-audit's JSON report."""
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = len(dependencies) - len(skipped)
    if vulnerable:
        lines = [f"KNOWN VULNERABILITIES in {len(vulnerable)} pinned package(s):"]
        for dependency in vulnerable:
            for vuln in dependency["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
                lines.append(f"  {dependency['name']} {dependency.get('version', '?')}: {vuln['id']} (fixed in {fixed})")
        return 1, "\n".join(lines)
    if dependencies and audited == 0:
        return 0, (
            f"NOT AUDITED: the vulnerability service answered for none of the {len(dependencies)} pinned "
            "packages (no network route to it here?). Run `make audit-deps` where PyPI's JSON API is reachable."
        )
    text = f"No known vulnerabilities in {audited} audited pinned packages."
    if skipped:
        names = ", ".join(sorted(d["name"] for d in skipped))
        text += f" NOT AUDITED ({len(skipped)}): {names}."
    return 0, text


def run_pip_audit(files: list[str], service: str) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "--require-hashes", "--disable-pip", "--vulnerability-service",
                   service, "--progress-spinner", "off", "--format", "json", "--output", str(output)]
        for name in files:
            command += ["--requirement", name]
        try:
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return 0, f"NOT AUDITED: pip-audit got no answer within {TIMEOUT_SECONDS} s (no network?)."
        if output.exists() and output.stat().st_size:
            return verdict(json.loads(output.read_text()))
    problem = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
    if any(marker in result.stderr for marker in NETWORK_ERRORS):
        error = problem.split(":", 1)[0].rsplit(".", 1)[-1]
        return 0, f"NOT AUDITED: pip-audit could not reach its vulnerability service ({error})."
    return 1, f"pip-audit failed (exit {result.returncode}): {problem}"


def main(argv: list[str]) -> int:
    for service in SERVICES:
        status, text = run_pip_audit(argv or list(DEFAULT_FILES), service)
        print(f"audit-deps ({service}): {text}", file=sys.stderr if status else sys.stdout)
        if status or not text.startswith("NOT AUDITED"):
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
