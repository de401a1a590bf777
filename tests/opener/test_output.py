"""The opener's output folder: names any filesystem takes, distinct, and no half-written
file after a failure."""

from __future__ import annotations

import stat

import pytest

from opener import IntegrityError
from opener.output import OutputFolder, safe_name


@pytest.mark.parametrize(("name", "safe"), [
    ("passport scan.pdf", "passport scan.pdf"),
    ("Führerschein – Rückseite.png", "Führerschein – Rückseite.png"),
    ("..hidden.pdf", "hidden.pdf"),
    (".profile", "profile"),
    ("a/../../b\\c.pdf", "a_.._.._b_c.pdf"),
    ('tax: "final"?.pdf', "tax_ _final__.pdf"),
    ("CON.pdf", "_CON.pdf"),
    ("lpt1", "_lpt1"),
    ("tab\there\x7f.pdf", "tab_here_.pdf"),
    ("...", "file"),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ("é" * 150, "é" * 100),
])
def test_it_makes_a_name_any_filesystem_takes(name, safe):
    assert safe_name(name) == safe
    assert len(safe_name(name).encode()) <= 200


def test_it_keeps_names_distinct_even_where_case_folds(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    folder.create()
    paths = [folder.write_file(name, [b"x"])[0] for name in ("scan.pdf", "SCAN.pdf", "scan.pdf", "scan")]
    assert paths == ["files/scan.pdf", "files/SCAN (2).pdf", "files/scan (3).pdf", "files/scan"]


def test_a_stream_that_fails_leaves_no_file_and_frees_its_name(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    folder.create()

    def failing():
        yield b"first chunk, released before the failure"
        raise IntegrityError()

    with pytest.raises(IntegrityError):
        folder.write_file("scan.pdf", failing())
    assert list((tmp_path / "out" / "files").iterdir()) == []
    assert folder.write_file("scan.pdf", [b"ok"])[0] == "files/scan.pdf"


def test_what_it_writes_only_the_owner_can_read(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    folder.create()
    path, digest, size = folder.write_file("scan.pdf", [b"ab", b"c"])
    assert (digest, size) == ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 3)
    assert stat.S_IMODE((tmp_path / "out" / path).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
