"""Archive paths: safe to unpack anywhere, unique case-insensitively, short enough."""

from __future__ import annotations

import pytest

from exports.naming import ArchivePaths, safe_part
from exports.passphrases import WeakPassphrase, passphrase_check, passphrase_suggest


@pytest.mark.parametrize("text, expected", [
    ("..", "id"), (".", "id"), ("", "id"), ("  . ", "id"),
    ("a/b\\c", "a_b_c"), ('x<y>z:"|?*', "x_y_z_____"), ("tab\there\u200b", "tabhere"),
    (".hidden.pdf", "hidden.pdf"), ("name. ", "name"), ("Ünïcödé.pdf", "Ünïcödé.pdf"),
])
def test_it_makes_a_part_safe(text, expected):
    assert safe_part(text, fallback="id") == expected


def test_it_shortens_a_long_name_keeping_its_extension():
    part = safe_part("é" * 300 + ".jpeg", fallback="id")
    assert part.endswith(".jpeg") and len(part.encode()) <= 200


def test_it_numbers_clashes_case_insensitively_before_the_extension():
    paths = ArchivePaths()
    got = [paths.path(record_id="r1", label="Docs", filename=name, file_id=f"f{i}")
           for i, name in enumerate(["scan.pdf", "SCAN.pdf", "scan.pdf", "scan"])]
    assert got == ["files/Docs/scan.pdf", "files/Docs/SCAN (2).pdf", "files/Docs/scan (3).pdf", "files/Docs/scan"]


def test_records_with_one_label_get_their_own_folders_and_unattached_is_reserved():
    paths = ArchivePaths()
    assert paths.folder(record_id="r1", label="Unattached") == "Unattached (2)"
    assert paths.folder(record_id="r2", label="Car") == "Car"
    assert paths.folder(record_id="r3", label="car") == "car (2)"
    assert paths.folder(record_id="r4", label="") == "r4"
    assert paths.folder(record_id=None, label=None) == "Unattached"
    assert paths.folder(record_id="r2", label="ignored the second time") == "Car"


@pytest.mark.parametrize("weak", ["123456789012345", "correct", "aaaaaaaaaaaaaaaa", "passphrase", "x" * 300])
def test_weak_export_passphrases_are_refused(weak):
    with pytest.raises(WeakPassphrase):
        passphrase_check(weak)


def test_a_suggestion_passes_the_check_and_is_fresh():
    first, second = passphrase_suggest(), passphrase_suggest()
    passphrase_check(first)
    assert first != second and len(first) == 35
