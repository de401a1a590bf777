"""What every target shares: the atheris entry point, a byte reader and the test vectors.

A target module defines `one_input(data: bytes) -> None`. It returns quietly for any
input the code under test handles as documented (a result, or the one documented
exception) and raises, usually by a failed assert, for anything else. It imports
without atheris, so tests/fuzz can replay the corpus in-process.
"""

from __future__ import annotations

import gc
import json
import sys
import types
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fuzz" / "corpus"
VECTORS = ROOT / "tests" / "vectors"

# Coverage feedback from our own code and the stdlib parsers it leans on. Instrumenting
# every loaded function (atheris.instrument_all) takes minutes once Django is imported.
DEFAULT_INSTRUMENTED = ("vault.crypto", "records.schemas", "audit.hashing", "json", "base64", "ipaddress")


def vector(path: str) -> dict:
    """One JSON test vector, such as "core/record_ok"."""
    return json.loads((VECTORS / f"{path}.json").read_text())


def _instrument(prefixes: Iterable[str]) -> None:
    import atheris

    prefixes = tuple(prefixes)
    for obj in gc.get_objects():
        if type(obj) is not types.FunctionType:  # not isinstance: that wakes lazy objects
            continue
        module = getattr(obj, "__module__", None) or ""
        if module == "fuzz.harness" or not any(module == p or module.startswith(p + ".") for p in prefixes):
            continue
        try:
            atheris.instrument_func(obj)
        except Exception:  # noqa: BLE001 - a function atheris cannot patch just gives no coverage
            pass


def main(one_input: Callable[[bytes], None], *, instrument: Iterable[str] = DEFAULT_INSTRUMENTED) -> None:
    """Fuzz `one_input` with libFuzzer's command line (sys.argv)."""
    import atheris

    _instrument([*instrument, "__main__"])
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


class Reader:
    """Reads structured choices from fuzz bytes; past the end every read gives zeros."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def remaining(self) -> int:
        return max(0, len(self.data) - self.at)

    def take(self, count: int) -> bytes:
        piece = self.data[self.at : self.at + count]
        self.at += count
        return piece.ljust(count, b"\x00")

    def rest(self) -> bytes:
        piece = self.data[self.at :]
        self.at = len(self.data)
        return piece

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")


def text_of(data: bytes) -> str:
    """Fuzz bytes as text, lone surrogates included: a JSON body can carry those."""
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def django_setup() -> None:
    """For targets whose code imports Django models or DRF: the test settings, no database."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coffer.settings.test")
    django.setup()
