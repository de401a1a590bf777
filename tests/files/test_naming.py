"""files.naming: filenames in, Content-Disposition out."""

import pytest

from files.errors import InvalidUpload
from files.naming import attachment_disposition, clean_filename, filename_from_header


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("scan.pdf", "scan.pdf"),
        ("C:\\Users\\zoe\\scan.pdf", "scan.pdf"),
        ("../../etc/passwd", "passwd"),
        (" spaced name.pdf ", "spaced name.pdf"),
        ("tab\tand\nnewline.pdf", "tabandnewline.pdf"),
        ("Zoe\u0308.pdf", "Zoë.pdf"),  # normalised to NFC
    ],
)
def test_it_keeps_the_name_without_directories_or_control_characters(sent, kept):
    assert clean_filename(sent) == kept


@pytest.mark.parametrize("sent", [None, "", "  ", ".", "..", "dir/", "\x00\x01", "x" * 256])
def test_it_refuses_a_name_that_is_empty_or_too_long(sent):
    with pytest.raises(InvalidUpload) as refused:
        clean_filename(sent)
    assert refused.value.field == "filename"


def test_x_filename_is_percent_encoded_utf_8():
    assert filename_from_header("Reisepass%20Zo%C3%AB.pdf") == "Reisepass Zoë.pdf"
    assert filename_from_header("plain.pdf") == "plain.pdf"


@pytest.mark.parametrize("value", [None, "Zo\xeb.pdf", "bad%ff.pdf"])
def test_x_filename_missing_or_not_utf_8_is_refused(value):
    with pytest.raises(InvalidUpload):
        filename_from_header(value)


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("scan.pdf", 'attachment; filename="scan.pdf"'),
        ("Zoë.pdf", "attachment; filename=\"Zoe.pdf\"; filename*=UTF-8''Zo%C3%AB.pdf"),
        ('a"b\\c%d.pdf', "attachment; filename=\"a_b_c_d.pdf\"; filename*=UTF-8''a%22b%5Cc%25d.pdf"),
        ("合同.pdf", "attachment; filename=\".pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"),
        ("合同", "attachment; filename=\"download\"; filename*=UTF-8''%E5%90%88%E5%90%8C"),
    ],
)
def test_the_disposition_has_an_ascii_fallback_and_the_exact_name(name, header):
    assert attachment_disposition(name) == header
