"""scripts/audit_deps.py: a known vulnerability fails the build; no network only says so."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_deps.py"
spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)


def _package(name, vulns=()):
    return {"name": name, "version": "1.0", "vulns": list(vulns)}


def test_a_known_vulnerability_fails_and_is_named():
    vuln = {"id": "PYSEC-2099-1", "fix_versions": ["1.1"], "aliases": [], "description": "bad"}
    status, text = audit_deps.verdict({"dependencies": [_package("django", [vuln]), _package("pynacl")]})
    assert status == 1
    assert "django 1.0: PYSEC-2099-1 (fixed in 1.1)" in text


def test_no_known_vulnerability_passes():
    status, text = audit_deps.verdict({"dependencies": [_package("django"), _package("pynacl")]})
    assert status == 0
    assert text == "No known vulnerabilities in 2 audited pinned packages."


def test_nothing_audited_passes_but_says_not_audited():
    skipped = [{"name": n, "skip_reason": "Dependency not found on PyPI"} for n in ("django", "pynacl")]
    status, text = audit_deps.verdict({"dependencies": skipped})
    assert status == 0
    assert text.startswith("NOT AUDITED")


def test_packages_left_unaudited_are_listed():
    report = {"dependencies": [_package("django"), {"name": "pynacl", "skip_reason": "not found"}]}
    status, text = audit_deps.verdict(report)
    assert status == 0
    assert "NOT AUDITED (1): pynacl" in text
