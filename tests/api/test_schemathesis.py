"""API robustness: schemathesis against /api/schema/, in-process through Django's WSGI app,
as a user whose token holds every scope and whose vault is unlocked.

Each operation gets a fresh user and vault (function-scoped fixtures), a bounded,
derandomized set of examples, and four checks: no 5xx on any input, and the status code,
content type and body of every response as the schema documents them.

Then the same checks over sequences of calls (stateful): the links below feed the id a
create answers with (and a record's ETag, as If-Match) into the operations on that item,
so reads, changes and deletes run on items that exist, not only on random ids.
"""

from __future__ import annotations

import itertools
import json
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from schemathesis.transport.serialization import serialize_binary

from tests.conftest import make_person

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 15

# The file upload takes the file itself as the raw body, in any of the types the store
# accepts; schemathesis only knows how to send octet-stream, so these go through as bytes.
RAW_UPLOAD_TYPES = ("application/pdf", "image/heic", "image/tiff")


@schemathesis.serializer(*RAW_UPLOAD_TYPES[1:])
def _raw_body(ctx, value):
    return serialize_binary(value)


@schemathesis.serializer("application/pdf")
def _pdf_body(ctx, value):
    # Random bytes behind a PDF's signature, so that uploads get past sniffing and store.
    return b"%PDF-1.7\n" + serialize_binary(value)


# Operations left out on purpose, each with its reason. None today: everything in the schema
# runs. (/api/v1/apps/me/ and /apps/me/grants/ take an app's token, not a user's, so with
# this user's token they are exercised for their documented 401 only.)
EXCLUDED: dict[tuple[str, str], str] = {}

# (source operation, status) -> {link name: (target operation, parameters)}
LINKS = {
    ("records_create", "201"): {
        "read": ("records_retrieve", {"record_id": "$response.body#/id"}),
        "change": ("records_partial_update", {"record_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}),
        "delete": ("records_destroy", {"record_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}),
        "files": ("files_list", {"record": "$response.body#/id"}),
        "scans": ("records_files_list", {"record_id": "$response.body#/id"}),
    },
    ("records_partial_update", "200"): {
        "change again": ("records_partial_update", {"record_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}),
        "delete": ("records_destroy", {"record_id": "$response.body#/id", "header.If-Match": "$response.header.ETag"}),
    },
    ("files_create", "201"): {
        "read": ("files_retrieve", {"file_id": "$response.body#/id"}),
        "download": ("files_content", {"file_id": "$response.body#/id"}),
        "delete": ("files_destroy", {"file_id": "$response.body#/id"}),
    },
    ("grants_create", "201"): {
        "read": ("grants_retrieve", {"grant_id": "$response.body#/id"}),
        "revoke": ("grants_revoke", {"grant_id": "$response.body#/id"}),
    },
    ("v1_exports_create", "202"): {
        "read": ("v1_exports_retrieve", {"job_id": "$response.body#/id"}),
        "download": ("exports_download", {"job_id": "$response.body#/id"}),
    },
    ("v1_vault_rotations_create", "202"): {
        "read": ("v1_vault_rotations_retrieve", {"job_id": "$response.body#/id"}),
        "resume": ("v1_vault_rotations_resume_create", {"job_id": "$response.body#/id"}),
    },
}
# Operations left out of the sequences, which would end the session the sequence runs in
# (each still runs on its own above): after them every call would answer 401 or 423.
NOT_IN_SEQUENCES = {
    ("POST", "/api/v1/vault/lock"),
    ("DELETE", "/api/v1/accounts/tokens/{token_id}"), ("POST", "/api/v1/vault/pin"),
    ("POST", "/api/v1/vault/recover"), ("POST", "/api/v1/vault/reauthorize"),
    ("DELETE", "/api/v1/accounts/access/unlock-sessions/{session_id}"),
    # An app's own requests, signed with an app's key: with the user's token every one answers
    # 401, so in a sequence they only crowd out the calls that build on each other.
    ("POST", "/api/v1/apps/"), ("GET", "/api/v1/apps/me/"), ("GET", "/api/v1/apps/me/grants/"),
    ("GET", "/api/v1/apps/me/users/{user_id}/keys"),
    ("POST", "/api/v1/apps/me/grants/{grant_id}/corrections"), ("GET", "/api/v1/apps/me/grants/{grant_id}/corrections"),
    ("GET", "/api/v1/apps/me/grants/{grant_id}/scans/{scan_id}"),
    # A record's corrections: only an app makes one, so in a sequence these answer an empty
    # list or 404 and crowd out records and files (tests/corrections runs them).
    ("GET", "/api/v1/records/{record_id}/corrections"),
    ("POST", "/api/v1/records/{record_id}/corrections/{correction_id}/dismiss"),
    # Resumable uploads: a random body is never a segment of whole parts at the session's
    # offset, so in a sequence they only crowd out files and records (tests/uploads runs them).
    ("POST", "/api/v1/uploads/"), ("GET", "/api/v1/uploads/{upload_id}"),
    ("PATCH", "/api/v1/uploads/{upload_id}"), ("DELETE", "/api/v1/uploads/{upload_id}"),
}
# Item operations no link feeds, each with its reason: a new item operation needs a link
# above, or a line here.
UNLINKED = {
    "users_keys",  # any user's public keys, by the id a user shares: nothing here creates one
    "keys_by_handle",  # the same, by a handle the user chose to share
    "apps_me_user_keys",  # an app's view, signed with an app's key, not this user's token
    "apps_me_grant_scan",  # the same: tests/sharing/test_grant_scans.py downloads as an app
    # An app's own, signed: tests/corrections reports and lists them as an app.
    "apps_me_grant_corrections_create", "apps_me_grant_corrections_list",
    # Only an app makes a correction, so no sequence of this user's has one to list or dismiss
    # (a link from records_create also thinned the sequences out: files went unreached).
    "records_corrections_list", "records_corrections_dismiss",
    "v1_accounts_tokens_destroy",  # would revoke the token the sequence runs with
    "v1_accounts_access_unlock_sessions_destroy",  # would lock the vault the sequence runs in
    # An import is made from a real export, CXF or Bitwarden file that random bytes never are;
    # linked, they only thinned the sequences out (files went unreached). tests/imports runs them.
    "imports_retrieve", "imports_confirm", "imports_cancel",
    # The sequences' records are notes, which take no scans: every attach would answer 400.
    # tests/files/test_scan_roles.py runs them on passports.
    "records_files_attach", "records_files_replace", "records_files_detach",
    # Left out of the sequences (NOT_IN_SEQUENCES): tests/uploads/test_api.py runs them.
    "uploads_retrieve", "uploads_append", "uploads_destroy",
}
STATEFUL_EXAMPLES = 30  # enough sequences that records and files are both reached through their links, whatever the ids
STATEFUL_STEPS = 8


def schema_document(*, links: bool = False) -> dict:
    """The schema /api/schema/ serves, generated in-process at collection time (no database
    needed); with `links`, the LINKS above added to it."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    if links:
        operations = {op["operationId"]: op for item in document["paths"].values() for op in item.values()}
        _steer_creates_to_succeed(document, operations)
        for (source, status), targets in LINKS.items():
            response = operations[source]["responses"][status]
            response["links"] = {
                name: {"operationId": target, "parameters": parameters}
                for name, (target, parameters) in targets.items()
            }
    return document


def _steer_creates_to_succeed(document: dict, operations: dict) -> None:
    """Sequences need items to exist: narrow the create operations to inputs that mostly
    succeed (a note with plain text, a PDF upload without X-Record), since a random passport
    or bank card almost never passes its check digits. The single-operation test above
    still sends every shape."""
    plain = {"type": "string", "pattern": "^[A-Za-z0-9]{1,40}$"}
    schemas = document["components"]["schemas"]
    schemas["NoteDataRequest"].update(properties={"title": plain, "text": plain}, additionalProperties=False)
    schemas["NoteRecordCreateRequest"]["additionalProperties"] = False  # the API refuses unknown fields
    operations["records_create"]["requestBody"]["content"] = {
        "application/json": {"schema": {"$ref": "#/components/schemas/NoteRecordCreateRequest"}}
    }
    upload = operations["files_create"]
    upload["requestBody"]["content"] = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    upload["parameters"] = [p for p in upload["parameters"] if p["name"] != "X-Record"]


def load_schema(*, links: bool = False):
    """The schema, called through Django's WSGI application."""
    loaded = schemathesis.openapi.from_dict(schema_document(links=links))
    loaded.app = get_wsgi_application()
    excluded = set(EXCLUDED) | (NOT_IN_SEQUENCES if links else set())
    for method, path in excluded:
        loaded = loaded.exclude(method=method, path=path)
    return loaded


def _disconnect_closing() -> None:
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)


@contextmanager
def _connections_kept_open():
    # As Django's test client does around each request: the request signal handlers that
    # close the database connection would close the test's transaction under it.
    _disconnect_closing()
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _unlocked_person_headers(username: str) -> dict[str, str]:
    person = make_person(username).setup_vault().unlock()  # through the test client: before the above
    return {"Authorization": f"Token {person.token}", "X-Vault-Unlock": person.unlock_secret}


@pytest.fixture
def unlocked_headers(db):
    headers = _unlocked_person_headers("fuzzy")
    with _connections_kept_open():
        yield headers


# Not schemathesis.pytest.from_fixture: its lazy loader sets Item._nodeid, gone in pytest 9.
schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, unlocked_headers):
    case.call_and_validate(headers=unlocked_headers, checks=CHECKS)


stateful_schema = load_schema(links=True)


def test_the_links_reach_every_item_operation():
    document = schema_document(links=True)
    linked = {
        link["operationId"]
        for item in document["paths"].values() for op in item.values()
        for response in op["responses"].values() for link in response.get("links", {}).values()
    }
    item_operations = {op["operationId"] for path, item in document["paths"].items() if "{" in path for op in item.values()}
    assert item_operations - UNLINKED <= linked, item_operations - UNLINKED - linked


def test_sequences_of_calls_conform_to_the_schema(db):
    """Create, read, change, download, delete in sequences; each scenario as a fresh user
    with an unlocked vault, so one scenario's state cannot hide another's failure."""
    users = itertools.count()
    answered: set[tuple[str, int]] = set()

    class Sequences(stateful_schema.as_state_machine()):
        def setup(self):
            self.headers = _unlocked_person_headers(f"sequence{next(users)}")
            _disconnect_closing()  # the test client reconnected it after its last request

        def get_call_kwargs(self, case):
            return {"headers": self.headers}

        def after_call(self, response, case):
            answered.add((case.operation.definition.raw["operationId"], response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    with _connections_kept_open():
        run_state_machine_as_test(
            Sequences,
            settings=settings(
                max_examples=STATEFUL_EXAMPLES,
                stateful_step_count=STATEFUL_STEPS,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    # The links did their work: operations on an item found items that exist (a delete
    # with the ETag a create answered with, as If-Match, answers 204).
    reached = {operation for operation, status in answered if status < 300}
    for resource in ("records", "files"):
        linked = {f"{resource}_retrieve", f"{resource}_destroy", f"{resource}_partial_update", f"{resource}_content"}
        assert reached & linked, (resource, sorted(answered))


def test_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
