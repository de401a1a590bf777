"""interchange.cxf_fields and interchange.plan: the small pieces the readers share."""

from __future__ import annotations

import pytest

from interchange.cxf_fields import (
    alpha2,
    alpha3,
    b64url,
    b64url_decode,
    coffer_sex,
    cxf_date,
    split_full_name,
    unix_seconds,
    rfc3339,
    year_month,
)
from interchange.plan import ImportPlan, PlannedFile, PlannedRecord


def test_it_converts_countries_both_ways_and_refuses_unknown_codes():
    assert (alpha2("DEU"), alpha3("de"), alpha3("FRA"), alpha3("ZZ"), alpha3(""), alpha2(None)) == (
        "DE", "DEU", "FRA", None, None, None)


def test_it_round_trips_base64url_without_padding_and_refuses_other_alphabets():
    assert b64url(b"\xff\xfe") == "__4" and b64url_decode("__4") == b"\xff\xfe"
    for bad in ("a+b", "a/b", "ab==", 5):
        with pytest.raises(ValueError):
            b64url_decode(bad)


@pytest.mark.parametrize(("text", "expected"), [
    ("1964-08-12", "1964-08-12"), ("1964-08-12T10:00:00Z", "1964-08-12"), ("12.08.1964", None), ("", None),
    ("1964-02-30", None),
])
def test_it_reads_cxf_dates(text, expected):
    assert cxf_date(text) == expected


def test_it_reads_year_months_and_refuses_month_13():
    assert year_month("2040-12") == (2040, 12) and year_month("2040-13") is None and year_month("12/40") is None


def test_it_splits_a_full_name_at_its_last_space():
    assert split_full_name("Anna Maria  Schmidt") == ("Anna Maria", "Schmidt")
    assert split_full_name("Cher") == ("", "Cher")


def test_it_reads_sex_as_printed_or_not_at_all():
    assert [coffer_sex(t) for t in ("f", "Male", "X", "<", "diverse", None)] == ["F", "M", "X", "X", None, None]


def test_it_converts_timestamps():
    assert unix_seconds("2026-03-01T00:00:00Z") == 1772323200 and rfc3339(1772323200) == "2026-03-01T00:00:00Z"
    assert unix_seconds(None) is None


def test_a_plan_round_trips_through_json_and_lists_reasons_without_values():
    plan = ImportPlan(records=[PlannedRecord(kind="note", label="n", data={"title": "t", "text": "x"}, source="item 1",
                                             files=[PlannedFile(ref="zip:a/b/c.pdf", name="c.pdf", size=3)])])
    plan.leave("item 2", "a login item", "Coffer holds no website logins.")
    again = ImportPlan.from_json(plan.to_json())
    assert again.to_json() == plan.to_json()
    assert again.left[0].what == "a login item"


def test_the_readers_run_without_django_settings():
    """interchange needs no configured Django: only records.schemas' country table and
    card-brand rule, shared so the two cannot drift apart."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        "import json; from interchange.cxf_import import plan_from_cxf; from interchange.bitwarden import "
        "plan_from_bitwarden; from interchange.cxf import cxf_from_export; "
        "p = plan_from_cxf(json.load(open('tests/interchange/fixtures/cxf_every_field.json'))); "
        "b = plan_from_bitwarden(json.load(open('tests/interchange/fixtures/bitwarden_export.json'))); "
        "print(len(p.records), len(b.records))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["5", "6"]
