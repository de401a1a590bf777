"""scripts/install_requirements.py: uv gets the indexes, find-links and CA bundle pip uses."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("install_requirements", ROOT / "scripts" / "install_requirements.py")
install_requirements = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(install_requirements)

# `pip config list` as it prints on a machine with a mirror, local indexes and a CA bundle.
LISTING = """\
global.cert='/etc/ssl/certs/ca-certificates.crt'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/opt/wheels'
global.index-url='https://mirror.example/simple'
:env:.find-links='/opt/wheels'
:env:.index-url='https://other-mirror.example/simple'
install.extra-index-url='https://extra.example/simple\\nfile:///opt/pypi/simple'
"""


def test_it_passes_pips_indexes_and_find_links_to_uv_with_pips_way_of_choosing() -> None:
    options = install_requirements.pip_config(LISTING)

    assert install_requirements.uv_options(options) == [
        "--index-strategy", "unsafe-best-match",
        "--index-url", "https://other-mirror.example/simple",  # the environment wins, as in pip
        "--extra-index-url", "file:///opt/pypi/simple",
        "--extra-index-url", "file:///opt/pypi-more/simple",
        "--extra-index-url", "https://extra.example/simple",
        "--find-links", "/opt/wheels",
    ]  # fmt: skip


def test_without_pip_configuration_uv_uses_its_defaults() -> None:
    assert install_requirements.uv_options(install_requirements.pip_config("")) == [
        "--index-strategy", "unsafe-best-match",
    ]  # fmt: skip


def test_pips_ca_bundle_reaches_uv_unless_ssl_cert_file_names_one() -> None:
    options = install_requirements.pip_config(LISTING)

    assert install_requirements.uv_environment(options, {"PATH": "/bin"})["SSL_CERT_FILE"] == (
        "/etc/ssl/certs/ca-certificates.crt"
    )
    assert install_requirements.uv_environment(options, {"SSL_CERT_FILE": "/mine.pem"})["SSL_CERT_FILE"] == "/mine.pem"


def test_the_uv_version_comes_from_its_hash_pinned_requirements_file() -> None:
    requirements = (ROOT / "requirements-uv.txt").read_text()

    version = install_requirements.pinned_uv_version(requirements)

    assert f"uv=={version} \\\n    --hash=sha256:" in requirements
    assert (ROOT / "requirements-uv.in").read_text().count(f"uv=={version}") == 1  # the .txt is compiled from it
