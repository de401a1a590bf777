"""files.sniffing: the type comes from the bytes, against an allowlist."""

import pytest

from files import sniffing
from files.errors import UnsupportedContent, UnsupportedFileType

HEADS = {
    "application/pdf": b"%PDF-1.4\n%\xe2\xe3",
    "image/jpeg": b"\xff\xd8\xff\xdb\x00\x43",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8L",
    "image/tiff": b"MM\x00*\x00\x00\x00\x08",
    "image/heic": b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heic",
}


@pytest.mark.parametrize("content_type", sorted(HEADS))
def test_each_allowed_type_is_recognised(content_type):
    assert sniffing.sniff(HEADS[content_type] + b"\0" * 64) == content_type


@pytest.mark.parametrize(
    "head",
    [b"GIF89a", b"<svg xmlns=", b"<!DOCTYPE html>", b"PK\x03\x04", b"\x00\x00\x00\x18ftypavif", b"RIFF\0\0\0\0WAVE", b""],
)
def test_other_types_are_not(head):
    assert sniffing.sniff(head + b"\0" * 64) is None


def test_aliases_and_parameters_of_a_declared_type_are_understood():
    assert sniffing.declared_type("image/JPG; charset=binary") == "image/jpeg"
    assert sniffing.declared_type("application/octet-stream") is None
    assert sniffing.declared_type(None) is None


def test_a_declared_type_outside_the_allowlist_is_refused():
    with pytest.raises(UnsupportedFileType):
        sniffing.declared_type("image/svg+xml")


def test_a_mismatch_is_refused_and_names_both_types():
    with pytest.raises(UnsupportedContent) as refused:
        sniffing.check_type(HEADS["image/png"], declared="application/pdf", whole_file=False)
    assert refused.value.detail == "The file's content is image/png, not the declared application/pdf."


def test_an_empty_file_is_refused_whatever_it_declares():
    for declared in ("application/pdf", "image/png", None):
        with pytest.raises(UnsupportedContent) as refused:
            sniffing.check_type(b"", declared=declared, whole_file=True)
        assert refused.value.code == "unsupported_content" and refused.value.status == 400


@pytest.mark.parametrize(
    ("head", "declared"),
    [
        (b"%PD", "application/pdf"),
        (b"\x89PN", "image/png"),
        (b"\xff\xd8", "image/jpeg"),
        (b"RIFF\0\0\0\0WEB", "image/webp"),
        (b"\x00\x00\x00\x1cftyphei", "image/heic"),
    ],
)
def test_a_whole_file_shorter_than_its_signature_is_refused(head, declared):
    with pytest.raises(UnsupportedContent):
        sniffing.check_type(head, declared=declared, whole_file=True)


def test_a_whole_file_holding_its_signature_passes_however_short():
    assert sniffing.check_type(b"%PDF-", declared="application/pdf", whole_file=True) == "application/pdf"
    assert sniffing.check_type(b"\xff\xd8\xff", declared=None, whole_file=True) == "image/jpeg"
