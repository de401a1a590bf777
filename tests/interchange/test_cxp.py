"""interchange.cxp: the CXP container's layout, judged from member names and sizes alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interchange.cxp import MAX_RATIO, RATIO_FREE_BYTES, Member, container_layout, is_container
from interchange.plan import SourceError

FILE_ID = "ERERERERQRGBERERERERMQ"


def _members(*names: str, size: int = 10) -> list[Member]:
    return [Member(name=name, size=size, compressed_size=size, is_dir=name.endswith("/")) for name in names]


def _refused(members: list[Member]) -> str:
    with pytest.raises(SourceError) as caught:
        container_layout(members)
    return caught.value.code


def test_it_finds_the_index_and_each_document_by_its_file_id():
    container = container_layout(_members("index.jcf", "documents/", f"documents/{FILE_ID}", "documents/b_-9"))
    assert container.index == "index.jcf"
    assert set(container.documents) == {FILE_ID, "b_-9"}
    assert container.documents[FILE_ID].name == f"documents/{FILE_ID}"


def test_it_reads_the_same_layout_under_one_cxp_export_folder():
    container = container_layout(_members("CXP-Export/", "CXP-Export/index.jcf", f"CXP-Export/documents/{FILE_ID}"))
    assert container.index == "CXP-Export/index.jcf"
    assert container.documents[FILE_ID].name == f"CXP-Export/documents/{FILE_ID}"


def test_it_tells_a_container_from_a_bitwarden_zip():
    assert is_container(["index.jcf"]) and is_container(["CXP-Export/index.jwe"])
    assert not is_container(["data.json", "attachments/x/index.jcf"])


@pytest.mark.parametrize("name", [
    "documents/../../etc/passwd", "../index.jcf", "documents/..", "documents/a/b", "documents/a\\b",
    "/documents/abc", "documents/a b", "documents/a\x00", "notes.txt", "documents/" + "a" * 87,
    "CXP-Export/documents/abc",  # a second root beside the one holding index.jcf
])
def test_it_refuses_any_name_outside_the_layout(name):
    assert _refused(_members("index.jcf", name)) == "cxf_zip_layout"


def test_it_refuses_a_zip_that_names_a_member_twice():
    assert _refused(_members("index.jcf", f"documents/{FILE_ID}", f"documents/{FILE_ID}")) == "cxf_zip_layout"


def test_it_refuses_a_zip_without_an_index_or_with_two():
    assert _refused(_members(f"documents/{FILE_ID}")) == "cxf_zip_layout"
    assert _refused(_members("index.jcf", "CXP-Export/index.jcf")) == "cxf_zip_layout"


def test_it_refuses_an_encrypted_container():
    assert _refused(_members("CXP-Export/index.jwe", f"CXP-Export/documents/{FILE_ID}.jwe")) == "cxf_zip_encrypted"


def test_it_refuses_a_member_that_inflates_like_a_zip_bomb():
    size = RATIO_FREE_BYTES + 1
    bomb = Member(name=f"documents/{FILE_ID}", size=size, compressed_size=size // (MAX_RATIO + 1))
    assert _refused([*_members("index.jcf"), bomb]) == "cxf_zip_invalid"


def test_it_takes_a_small_member_that_compresses_well():
    small = Member(name=f"documents/{FILE_ID}", size=RATIO_FREE_BYTES, compressed_size=1)
    assert container_layout([*_members("index.jcf"), small]).documents[FILE_ID] == small


@given(st.lists(st.tuples(st.sampled_from(["", "CXP-Export/", "documents/", "CXP-Export/documents/", "../", "x/"]),
                          st.text(st.characters(codec="utf-8"), max_size=12), st.booleans()), max_size=6))
@settings(max_examples=300)
def test_any_member_list_is_laid_out_safely_or_refused_with_a_stable_code(parts):
    members = [Member(name=prefix + rest + ("/" if is_dir else ""), size=1, compressed_size=1, is_dir=is_dir)
               for prefix, rest, is_dir in parts]
    members.append(Member(name="index.jcf", size=1, compressed_size=1))
    try:
        container = container_layout(members)
    except SourceError as refusal:
        assert refusal.code in {"cxf_zip_layout", "cxf_zip_encrypted", "cxf_zip_invalid"}
        return
    for file_id, member in container.documents.items():
        assert member.name == f"documents/{file_id}" and ".." not in file_id and "/" not in file_id
