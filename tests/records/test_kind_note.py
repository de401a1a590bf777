"""The note schema."""

from datetime import date

from records.schemas import KINDS

from .samples import valid
from .validation import clean, field_errors


def test_it_accepts_a_title_and_text():
    assert clean("note", valid("note")) == valid("note")


def test_the_text_may_be_empty_and_keeps_its_whitespace():
    assert clean("note", valid("note", text=""))["text"] == ""
    assert clean("note", valid("note", text="  indented\n"))["text"] == "  indented\n"


def test_the_title_is_required_and_not_blank():
    assert "title" in field_errors("note", valid("note", title=None))
    assert "title" in field_errors("note", valid("note", title=""))


def test_unknown_fields_and_wrong_types_are_named():
    assert field_errors("note", {"title": "x", "text": 5, "tags": ["a"]}) == {
        "text": ["Must be a string."],
        "tags": ["Unknown field."],
    }


def test_data_that_is_not_an_object_is_refused():
    assert field_errors("note", ["title", "text"]) == {"non_field_errors": ["Must be an object."]}


def test_a_note_never_expires():
    assert not KINDS["note"].expired(clean("note", valid("note")), today=date(2999, 1, 1))
