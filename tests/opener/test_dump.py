"""The opener's reader of plain pg_dump files: COPY's text format, as PostgreSQL documents
it, and clear refusals of dumps it cannot read."""

from __future__ import annotations

import gzip

import pytest

from opener import IntegrityError, OpenerError
from opener.sources import DumpFile, copy_field, typed

FILES_COLUMNS = ("id, owner_id, record_id, blob_key, vault_key_version, dek_version, wrapped_dek, sealed_filename, "
                 "plaintext_size, ciphertext_size, content_type, created_at")
DUMP = f"""--
-- PostgreSQL database dump
--
SET statement_timeout = 0;

COPY public.auth_user (id, password, last_login, is_superuser, username, first_name, last_name, email, "is_staff") FROM stdin;
7\tpbkdf2$x\t\\N\tf\tolivia\tOli\\tvia\tLine\\nbreak\to@example.com\tf
8\tpbkdf2$y\t\\N\tf\tCOPY public.x (a) FROM stdin;\t\t\tb@example.com\tf
\\.

COPY public.files_file ({FILES_COLUMNS}) FROM stdin;
5f0c6a1e-3b5e-4c1a-9d1e-2f6a7b8c9d0e\t7\t\\N\t0f1e2d3c4b5a69788796a5b4c3d2e1f0\t2\t1\t\\\\x01ff\t\\\\x0102\t10\t75\tapplication/pdf\t2026-01-01 10:00:00+00
6f0c6a1e-3b5e-4c1a-9d1e-2f6a7b8c9d0e\t8\t\\N\t1f1e2d3c4b5a69788796a5b4c3d2e1f0\t2\t1\t\\\\x01\t\\\\x01\t10\t75\tapplication/pdf\t2026-01-01 10:00:00+00
\\.
"""


@pytest.fixture
def dump(tmp_path):
    path = tmp_path / "coffer.sql"
    path.write_text(DUMP, encoding="utf-8")
    return DumpFile(path)


def test_it_finds_rows_by_a_column_and_undoes_copys_escapes(dump):
    assert dump.select("auth_user", "username", "olivia") == [{"id": "7", "username": "olivia"}]
    assert dump.select("auth_user", "id", "8") == [{"id": "8", "username": "COPY public.x (a) FROM stdin;"}]
    assert dump.select("auth_user", "username", "nobody") == []
    assert [copy_field(text) for text in ("\\N", "a\\tb", "a\\\\b", "\\101\\x42", "\\q")] == [None, "a\tb", "a\\b", "AB", "q"]


def test_it_converts_bytea_integers_and_nulls(dump):
    (row,) = dump.select("files_file", "owner_id", "7")
    converted = typed("files_file", row)
    assert converted["wrapped_dek"] == b"\x01\xff" and converted["sealed_filename"] == b"\x01\x02"
    assert converted["record_id"] is None and converted["ciphertext_size"] == 75
    with pytest.raises(IntegrityError):
        typed("files_file", {**row, "wrapped_dek": "\\xzz"})


def test_it_reads_a_gzipped_dump(tmp_path):
    path = tmp_path / "coffer.sql.gz"
    path.write_bytes(gzip.compress(DUMP.encode()))
    assert DumpFile(path).select("auth_user", "username", "olivia")[0]["id"] == "7"


def test_it_says_how_to_turn_a_custom_format_dump_into_a_plain_one(tmp_path):
    path = tmp_path / "coffer.dump"
    path.write_bytes(b"PGDMP\x01\x0f\x00" + bytes(100))
    with pytest.raises(OpenerError, match="pg_restore -f coffer.sql"):
        DumpFile(path)


def test_it_refuses_a_dump_of_insert_lines_naming_the_option(tmp_path):
    path = tmp_path / "coffer.sql"
    path.write_text("INSERT INTO public.auth_user VALUES (7, 'olivia');\n")
    with pytest.raises(OpenerError, match="without --inserts"):
        DumpFile(path).select("auth_user", "username", "olivia")


def test_it_names_a_column_the_dump_lacks(dump):
    with pytest.raises(OpenerError, match="vault_vault") as missing:
        dump.select("vault_vault", "user_id", "7")
    assert "no COPY block" in str(missing.value)
    dump.blocks["vault_vault"] = (["id", "user_id"], 0)
    with pytest.raises(OpenerError, match="no column kdf_salt"):
        dump.select("vault_vault", "user_id", "7")
