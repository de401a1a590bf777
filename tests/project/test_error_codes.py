"""Every stable error code the API can answer with is in the published list (coffer/api/error_codes.py).

The codes are found in the source: the first argument of every DomainError (or subclass)
built or initialised, the `default_code` of every APIException subclass, and the
handler's own answers. A code added without a line in the list fails here.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

from django.apps import apps
from rest_framework.exceptions import APIException

from coffer.api.error_codes import ERROR_CODES
from coffer.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]


def _our_packages() -> list[str]:
    return [config.name for config in apps.get_app_configs() if (ROOT / config.name.split(".")[0]).is_dir()] + ["coffer"]


def _import_everything() -> list[Path]:
    files = []
    for package in _our_packages():
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
            skipped = (".migrations", ".management", ".settings", "__main__")
            if any(part in info.name for part in skipped):
                continue
            importlib.import_module(info.name)
        files += [p for p in Path(module.__path__[0]).rglob("*.py") if "migrations" not in p.parts]
    return files


def _subclasses(cls) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _literal(node) -> str | None:
    """A code is a snake_case string literal (a literal detail text in first place is not one)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def _codes_in(tree: ast.AST, error_names: set[str]) -> set[str]:
    codes = set()
    for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]:
        if cls.name not in error_names:
            continue
        for call in [n for n in ast.walk(cls) if isinstance(n, ast.Call)]:
            is_super_init = isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"
            if is_super_init and call.args and _literal(call.args[0]):
                codes.add(_literal(call.args[0]))
    for call in [n for n in ast.walk(tree) if isinstance(n, ast.Call)]:
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        if (name in error_names or name == "_body") and call.args and _literal(call.args[0]):
            codes.add(_literal(call.args[0]))
    return codes


def raised_codes() -> set[str]:
    files = _import_everything()
    error_names = {cls.__name__ for cls in _subclasses(DomainError)} | {"DomainError"}
    codes = set()
    for path in files:
        codes |= _codes_in(ast.parse(path.read_text()), error_names)
    ours = [cls for cls in _subclasses(APIException) if cls.__module__.split(".")[0] in {p.split(".")[0] for p in _our_packages()}]
    codes |= {cls.default_code for cls in ours}
    # DRF's own refusals, which the handler passes through with their codes.
    codes |= {"not_authenticated", "authentication_failed", "permission_denied", "not_found", "method_not_allowed",
              "not_acceptable", "unsupported_media_type", "throttled", "parse_error"}
    return codes


def test_every_code_the_api_can_answer_with_is_in_the_published_list():
    missing = sorted(raised_codes() - set(ERROR_CODES))
    assert missing == []


def test_the_list_has_no_code_that_nothing_raises():
    assert sorted(set(ERROR_CODES) - raised_codes()) == []


def test_the_scan_finds_codes_raised_by_subclasses_and_by_name():
    codes = raised_codes()
    assert {"precondition_failed", "wrong_pin", "vault_locked", "insufficient_scope", "integrity_error"} <= codes


def test_each_code_has_an_http_status_and_a_meaning():
    for code, (status, meaning) in ERROR_CODES.items():
        assert 400 <= status <= 599 and meaning.endswith("."), code


def test_the_api_docs_list_every_code(client):
    description = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["info"]["description"]
    assert all(f"`{code}`" in description for code in ERROR_CODES)


def test_the_api_docs_point_to_the_client_library(client):
    description = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["info"]["description"]
    assert "clients/python/" in description and "coffer-client" in description
    assert (Path(__file__).resolve().parents[2] / "clients" / "python" / "README.md").exists()
