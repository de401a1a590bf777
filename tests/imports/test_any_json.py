"""Any JSON at all, as a CXF document, a Bitwarden export or an export's records.json:
either a plan of valid records or a refusal with a stable code, never another error."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imports.errors import ImportRefused
from imports.models import ImportJob
from imports.readers import open_source, plan_from_export
from imports.readers import checked
from records.schemas import KINDS

KEYS = st.sampled_from([
    "version", "major", "accounts", "items", "credentials", "type", "title", "fieldType", "value", "label", "id",
    "fields", "name", "card", "identity", "passport", "driversLicense", "bankAccount", "notes", "number",
    "passportNumber", "fullName", "expiryDate", "format", "records", "files", "kind", "path", "size", "sha256",
    "encrypted", "content", "issuingCountry", "licenseClass", "expMonth", "expYear",
])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 3000), st.text(max_size=12),
                    st.sampled_from(["passport", "note", "credit-card", "file", "string", "date", "2040-12", "DE", 1, 3, 8]))
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(KEYS, inner, max_size=6)), max_leaves=40)


def _valid_or_refused(make) -> None:
    try:
        plan = make()
    except ImportRefused as refusal:
        assert refusal.code and refusal.status in (400, 413)
        return
    for record in plan.records:
        assert KINDS[record.kind].validate(record.data) == record.data
    json.dumps(plan.to_json())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=JSON)
def test_any_json_document_is_planned_or_refused_with_a_stable_code(document):
    raw = json.dumps(document).encode()
    for source_format in ("json", ImportJob.Format.CXF, ImportJob.Format.BITWARDEN_JSON):
        _valid_or_refused(lambda: open_source(source_format, passphrase="", plaintext=[raw]).plan)
    _valid_or_refused(lambda: checked(plan_from_export(document)))


@settings(max_examples=200, deadline=None)
@given(records=st.lists(st.dictionaries(KEYS, JSON, max_size=6), max_size=3))
def test_any_records_list_in_an_export_is_planned_or_refused(records):
    document = {"format": "coffer-export", "version": 1, "records": records, "files": []}
    _valid_or_refused(lambda: checked(plan_from_export(document)))


MEMBERS = st.sampled_from([
    "issuingCountry", "documentNumber", "identificationNumber", "nationality", "fullName", "birthDate", "sex",
    "issueDate", "expiryDate", "passportNumber", "passportType", "licenseNumber", "licenseClass", "country",
    "number", "verificationNumber", "cardholderName", "content", "given", "surname", "name", "decryptedSize",
    "integrityHash", "fields", "label", "id", "expMonth", "expYear", "code", "lastName", "firstName",
    "dateOfBirth", "expirationDate", "iban", "swiftCode", "nameOnAccount", "bankName", "givenName", "ssn",
])
FIELD_TYPES = st.sampled_from(["string", "concealed-string", "date", "year-month", "country-code", "number", "x"])
EDITABLE = st.builds(lambda t, v: {"fieldType": t, "value": v}, FIELD_TYPES, st.one_of(SCALARS, st.just("1990-01-02")))
MEMBER_VALUE = st.one_of(EDITABLE, SCALARS, st.lists(EDITABLE, max_size=2))
CREDENTIAL = st.builds(
    lambda t, members: {"type": t, **members},
    st.sampled_from(["identity-document", "passport", "drivers-license", "credit-card", "note", "file",
                     "person-name", "custom-fields", "basic-auth"]),
    st.dictionaries(MEMBERS, MEMBER_VALUE, max_size=8),
)
CXF_DOCUMENT = st.builds(
    lambda items: {"version": {"major": 1, "minor": 0}, "accounts": [{"items": items}]},
    st.lists(st.builds(lambda title, creds: {"title": title, "credentials": creds},
                       st.one_of(st.text(max_size=8), st.none()), st.lists(CREDENTIAL, max_size=3)), max_size=4),
)
SECTION = st.dictionaries(MEMBERS, st.one_of(SCALARS, st.just("DE"), st.just("2030-01-01")), max_size=10)
BITWARDEN_DOCUMENT = st.builds(
    lambda items: {"encrypted": False, "items": items},
    st.lists(st.builds(
        lambda t, name, sections, fields: {"type": t, "name": name, **sections, "fields": fields},
        st.integers(0, 9), st.one_of(st.text(max_size=8), st.none()),
        st.dictionaries(st.sampled_from(["card", "identity", "passport", "driversLicense", "bankAccount", "notes"]),
                        st.one_of(SECTION, SCALARS), max_size=3),
        st.lists(st.dictionaries(st.sampled_from(["name", "value", "type"]), SCALARS), max_size=3),
    ), max_size=4),
)


@settings(max_examples=400, deadline=None)
@given(document=st.one_of(CXF_DOCUMENT, BITWARDEN_DOCUMENT))
def test_any_cxf_or_bitwarden_shaped_document_is_planned_or_refused(document):
    raw = json.dumps(document).encode()
    _valid_or_refused(lambda: open_source("json", passphrase="", plaintext=[raw]).plan)
