"""The hostile catalogue: inputs schemathesis does not send, each answered with a clear
4xx and a stable code, never a 5xx, and leaving no half-written row or blob behind.

The first part runs in-process (Django's test client can send any header or query
string). The second needs a real socket, for what a test client cannot do: a body
shorter or longer than its Content-Length, a reset connection, a chunked body. It runs
against gunicorn, as production does (tests/fixtures/gunicorn_server.py).
"""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework.test import APIClient

from audit.models import AuditEvent
from coffer.api.pagination import MAX_LIMIT, MAX_OFFSET
from files.models import File
from records.models import Record
from tests.files.conftest import content_url, fs_backend, pdf, upload_raw  # noqa: F401
from tests.fixtures.gunicorn_server import gunicorn_server  # noqa: F401
from tests.sharing.conftest import app, create_grant, create_record, register_app  # noqa: F401

TWO_TO_THE_63 = "9223372036854775808"  # one past PostgreSQL's bigint
DIGITS_5000 = "9" * 5000  # past Python's 4,300-digit int() limit
HUGE_AND_NEGATIVE = [TWO_TO_THE_63, DIGITS_5000, "-1", "-" + TWO_TO_THE_63, "1e3", "+5", " 5", "0x10", "\u0661", "%00"]

LISTS = ["/api/v1/records/", "/api/v1/files/", "/api/v1/grants/"]
SIGNUP = "/_allauth/app/v1/auth/signup"  # allauth's headless API: its own error shape
LOGIN = "/_allauth/app/v1/auth/login"
JSON_POSTS = [
    SIGNUP,
    LOGIN,
    "/api/v1/accounts/token",
    "/api/v1/vault/unlock",
    "/api/v1/vault/pin",
    "/api/v1/records/",
    "/api/v1/grants/",
    "/api/v1/apps/",
    "/api/v1/attestations/",
]


def assert_clear_refusal(response, *statuses: int) -> dict:
    """A 4xx among `statuses`, with a JSON body naming a stable code."""
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"], body
    return body


@pytest.fixture
def alice_items(unlocked_alice, fs_backend, app):  # noqa: F811
    """Alice with a record, a file and a grant, so that every list has rows to page."""
    record = create_record(unlocked_alice, "note", data={"title": "Wi-Fi", "text": "on the fridge"})
    response = upload_raw(unlocked_alice.client, pdf(70_000))
    assert response.status_code == 201, response.content
    create_grant(unlocked_alice, app, [{"record_id": record["id"], "fields": None}])
    return {"record": record, "file": response.json()}


# ---- integers in the query string ----


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("parameter", ["limit", "offset"])
def test_every_list_refuses_a_page_bound_it_cannot_serve_with_400(unlocked_alice, alice_items, url, parameter):
    for value in [*HUGE_AND_NEGATIVE, "abc", "", str(MAX_OFFSET + 1), *(["0", str(MAX_LIMIT + 1)] if parameter == "limit" else [])]:
        response = unlocked_alice.client.get(url, {parameter: value})
        body = assert_clear_refusal(response, 400)
        assert body["code"] == "invalid" and parameter in body["fields"], (value, body)


@pytest.mark.parametrize("url", LISTS)
def test_every_list_serves_the_edges_of_its_bounds(unlocked_alice, alice_items, url):
    assert unlocked_alice.client.get(url, {"limit": 1}).json()["results"][0]
    assert unlocked_alice.client.get(url, {"limit": MAX_LIMIT}).json()["count"] == 1
    assert unlocked_alice.client.get(url, {"offset": MAX_OFFSET}).json()["results"] == []


# ---- ids in the path ----


@pytest.mark.parametrize("handle", ["11111111111111111111", DIGITS_5000, "0", "-1", TWO_TO_THE_63, "%00", "%ff%fe", "a" * 300])
def test_a_key_handle_that_names_nobody_answers_404(db, handle):
    response = APIClient().get(f"/api/v1/keys/{handle}")
    assert_clear_refusal(response, 404)


@pytest.mark.parametrize("template", [
    "/api/v1/records/{}/", "/api/v1/files/{}/", "/api/v1/files/{}/content", "/api/v1/grants/{}/",
    "/api/v1/vault/rotations/{}/",
])
def test_an_id_of_any_shape_answers_404(unlocked_alice, template):
    for value in ["11111111111111111111", DIGITS_5000, "-1", "%00", "%C0%AF", "%FF%FE", "..%2F..", "a" * 5000]:
        response = unlocked_alice.client.get(template.format(value))
        assert_clear_refusal(response, 404)


# ---- numeric headers ----


@pytest.mark.parametrize("length", [DIGITS_5000, "0" * 5000 + "1", TWO_TO_THE_63 * 2, "\u00b2", "-1", " 5", "5_0", "0x10"])
def test_a_content_length_that_is_no_length_is_refused(unlocked_alice, fs_backend, length):
    response = unlocked_alice.client.generic(
        "POST", "/api/v1/files/", b"%PDF-1.7\n", content_type="application/pdf",
        HTTP_X_FILENAME="a.pdf", CONTENT_LENGTH=length,
    )
    body = assert_clear_refusal(response, 400, 413)
    assert body["code"] in ("invalid_header", "payload_too_large", "file_too_large"), body
    assert not File.objects.exists() and fs_backend.leftovers() == []
    for url in JSON_POSTS:
        # A body longer than any length Django's int() could read from these.
        response = unlocked_alice.client.generic(
            "POST", url, b"{}" + b" " * 100, content_type="application/json", CONTENT_LENGTH=length
        )
        body = assert_clear_refusal(response, 400, 413)
        assert body["code"] in ("invalid_header", "payload_too_large"), (url, body)


@pytest.mark.parametrize("x_record", [DIGITS_5000, "%00", "\u00e9", "00000000-0000-0000-0000-00000000000G"])
def test_a_malformed_x_record_answers_404_and_stores_nothing(unlocked_alice, fs_backend, x_record):
    response = upload_raw(unlocked_alice.client, pdf(1000), **{"X-Record": x_record})
    assert_clear_refusal(response, 404)
    assert not File.objects.exists() and fs_backend.leftovers() == []


# ---- Range ----

MALFORMED_RANGES = [
    f"bytes=0-{DIGITS_5000}", f"bytes={DIGITS_5000}-", f"bytes=-{DIGITS_5000}", f"bytes={DIGITS_5000}-{DIGITS_5000}",
    f"bytes={TWO_TO_THE_63}-", "bytes=-1-2", "bytes=--1", "bytes=1--2", "bytes=5-1", "bytes=0-0,5-6", "bytes=",
    "bytes=-", "bytes", "=0-1", "bytes=\x00-1", "bytes=0-1\x00", "bytes=\u0661-\u0665", "bytes=+1-2", "bytes=0x1-2",
    "bytes=1e3-", "bytes=0-1," * 2000, "BYTES=0-1", "bytes = 0 - 1", "lines=0-1", "bytes=\xff\xfe", "bytes=0-0" + " " * 8000,
]


def test_every_malformed_range_on_the_api_download_is_ignored_or_416(unlocked_alice, alice_items):
    url = content_url(alice_items["file"]["id"])
    for header in MALFORMED_RANGES:
        response = unlocked_alice.client.get(url, HTTP_RANGE=header)
        assert response.status_code in (200, 206, 416), (header[:40], response.status_code)
        if response.status_code == 416:
            assert response.json()["code"] == "range_not_satisfiable"
            assert response["Content-Range"] == "bytes */70000"


def test_a_range_of_5000_digits_answers_416_on_the_api_and_on_the_web_preview(unlocked_alice, alice_items, client):
    url = content_url(alice_items["file"]["id"])
    assert unlocked_alice.client.get(url, HTTP_RANGE=f"bytes={DIGITS_5000}-").status_code == 416
    response = unlocked_alice.client.get(url, HTTP_RANGE=f"bytes=69990-{DIGITS_5000}")
    assert response.status_code == 206 and response["Content-Range"] == "bytes 69990-69999/70000"

    client.force_login(unlocked_alice.user)
    assert client.post("/vault/unlock/", {"pin": unlocked_alice.pin}).status_code == 302
    preview = f"/documents/{alice_items['file']['id']}/preview/"
    for header in MALFORMED_RANGES:
        response = client.get(preview, HTTP_RANGE=header)
        assert response.status_code in (200, 206, 416), (header[:40], response.status_code)
    assert client.get(preview, HTTP_RANGE=f"bytes={DIGITS_5000}-").status_code == 416


# ---- If-Match ----

MALFORMED_IF_MATCH = [
    "garbage", "1", '"01"', '"+1"', '"1 "', '" 1"', 'W/"1"', 'w/"1"', '"1', '1"', '""', '"\x00"', '"1"\x00',
    f'"{DIGITS_5000}"', f'"{TWO_TO_THE_63}"', '"-1"', '"\u0661"', '"2",' * 3000 + '"x', ",,,", '"1" "1"', '"1";"1"',
    "\xff\xfe", "*, *", '"*"',
]


def test_every_malformed_if_match_answers_412_or_428_and_changes_nothing(unlocked_alice, alice_items):
    record = alice_items["record"]
    url = f"/api/v1/records/{record['id']}/"
    for header in MALFORMED_IF_MATCH:
        for method in ("patch", "delete"):
            response = getattr(unlocked_alice.client, method)(url, {"label": "x"}, format="json", HTTP_IF_MATCH=header)
            body = assert_clear_refusal(response, 412, 428)
            assert body["code"] in ("precondition_failed", "precondition_required"), (header[:40], body)
    assert Record.objects.get(pk=record["id"]).revision == 1


def test_a_strong_etag_matches_only_its_exact_octets(unlocked_alice, alice_items):
    url = f"/api/v1/records/{alice_items['record']['id']}/"
    assert unlocked_alice.client.patch(url, {"label": "x"}, format="json", HTTP_IF_MATCH='"01"').status_code == 412
    assert unlocked_alice.client.patch(url, {"label": "x"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200


# ---- methods an endpoint does not implement ----

UNIMPLEMENTED = {
    "/api/v1/records/": ("put", "patch", "delete"),
    "/api/v1/records/{record}/": ("put", "post"),
    "/api/v1/files/": ("put", "patch", "delete"),
    "/api/v1/files/{file}/": ("put", "patch", "post"),
    "/api/v1/files/{file}/content": ("put", "patch", "post", "delete"),
    "/api/v1/grants/": ("put", "patch", "delete"),
    "/api/v1/vault": ("put", "patch", "post", "delete"),
    "/api/v1/accounts/tokens": ("put", "patch", "post", "delete"),
}


@pytest.mark.parametrize("scopes", ["every scope", "too few scopes"])
def test_a_method_an_endpoint_does_not_implement_answers_405_with_allow_and_no_audit_row(
    unlocked_alice, alice_items, scopes
):
    # A token without the scopes of these URLs: before, that earned 403 and an audit row.
    client = unlocked_alice.client if scopes == "every scope" else unlocked_alice.with_scopes("files:read")
    before = AuditEvent.objects.count()
    for template, methods in UNIMPLEMENTED.items():
        url = template.format(record=alice_items["record"]["id"], file=alice_items["file"]["id"])
        allowed = client.options(url)["Allow"]
        for method in methods:
            response = getattr(client, method)(url, {}, format="json")
            body = assert_clear_refusal(response, 405)
            assert body["code"] == "method_not_allowed" and response["Allow"] == allowed, (url, method)
            assert method.upper() not in allowed.split(", ")
    assert AuditEvent.objects.count() == before


# ---- bodies: bytes that are not UTF-8, NUL, nesting, size ----


def test_bodies_that_are_not_utf8_or_hold_nul_answer_400(unlocked_alice):
    for url in JSON_POSTS:
        for body in (b'{"pin": "\xff\xfe"}', b"\xc0\xaf", b'{"pin": "48\x0015"}', b"\x00" * 100):
            response = unlocked_alice.client.generic("POST", url, body, content_type="application/json")
            assert 400 <= response.status_code < 500, (url, body, response.status_code, response.content[:200])


def test_strings_holding_nul_are_refused_as_fields(unlocked_alice):
    response = unlocked_alice.client.post(
        "/api/v1/records/", {"kind": "note", "label": "a\x00b", "data": {"title": "t\x00", "text": "x"}}, format="json"
    )
    assert assert_clear_refusal(response, 400)["code"] == "invalid"
    response = APIClient().post(
        SIGNUP, {"email": "eve\x00@example.com", "password": "correct horse battery staple"}, format="json",
    )
    assert response.status_code == 400, response.content
    assert {error["param"] for error in response.json()["errors"]} == {"email"}
    assert not Record.objects.exists()
    assert not get_user_model().objects.filter(email__startswith="eve").exists()


def test_query_strings_and_headers_holding_nul_or_bad_utf8_are_refused_or_ignored(unlocked_alice, alice_items):
    for query in ("kind=%00", "kind=%FF", "record=%00", "reveal=%00", "limit=%C0%AF"):
        for url in ("/api/v1/records/", "/api/v1/files/", f"/api/v1/records/{alice_items['record']['id']}/"):
            response = unlocked_alice.client.get(f"{url}?{query}")
            assert response.status_code in (200, 400), (url, query, response.status_code)
    for name in ("HTTP_X_VAULT_UNLOCK", "HTTP_X_FILENAME", "HTTP_AUTHORIZATION"):
        for value in ("\x00", "\xff\xfe", "a" * 20_000):
            response = unlocked_alice.client.get("/api/v1/records/", **{name: value})
            assert response.status_code in (200, 400, 401, 423), (name, response.status_code)


def test_json_nested_past_any_depth_answers_400(unlocked_alice):
    for url in JSON_POSTS:
        for body in (b"[" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
            response = unlocked_alice.client.generic("POST", url, body, content_type="application/json")
            assert 400 <= response.status_code < 500, (url, response.status_code)


def test_a_10_mb_json_body_answers_413_before_it_is_parsed(unlocked_alice):
    body = json.dumps({"kind": "note", "data": {"title": "x", "text": "y" * (10 * 1024 * 1024)}}).encode()
    for url in JSON_POSTS:
        response = unlocked_alice.client.generic("POST", url, body, content_type="application/json")
        assert 400 <= response.status_code < 500, (url, response.status_code)
        if url in ("/api/v1/records/", LOGIN, "/api/v1/vault/unlock"):
            assert response.json()["code"] == "payload_too_large", url
    assert not Record.objects.exists()


# ---- over a real socket: gunicorn ----


@pytest.fixture
def server(gunicorn_server):  # noqa: F811
    """The module's gunicorn, its blob store emptied of what earlier tests stored."""
    if gunicorn_server.blob_root.exists():
        for path in gunicorn_server.blob_root.rglob("*"):
            if path.is_file():
                path.unlink()
    return gunicorn_server


def _raw_request(person, path: str, body: bytes, *, content_type: str, length: int | None, extra: bytes = b"") -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        f"Authorization: Token {person.token}\r\nX-Vault-Unlock: {person.unlock_secret}\r\n"
        f"Content-Type: {content_type}\r\n"
    ).encode()
    if length is not None:
        head += b"Content-Length: %d\r\n" % length
    return head + extra + b"\r\n" + body


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer[9:12])


def _nothing_left(server) -> bool:
    blobs = [path for path in server.blob_root.rglob("*") if path.is_file()] if server.blob_root.exists() else []
    return not File.objects.exists() and blobs == []


def _eventually_nothing_left(server) -> bool:
    # After a reset the server notices only when it next reads: give it a moment.
    deadline = time.monotonic() + 5
    while not _nothing_left(server):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _form(data: bytes) -> bytes:
    return encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("scan.pdf", data, content_type="application/pdf")})


@pytest.mark.django_db(transaction=True)
def test_over_a_socket_a_body_shorter_than_its_length_leaves_nothing_and_answers_400(server, unlocked_alice):
    data = pdf(300_000)
    form = _form(data)
    cases = {
        "raw, cut early": _raw_request(unlocked_alice, "/api/v1/files/", data[:100_000], content_type="application/pdf",
                                       length=len(data), extra=b"X-Filename: scan.pdf\r\n"),
        "raw, one byte short": _raw_request(unlocked_alice, "/api/v1/files/", data[:-1], content_type="application/pdf",
                                            length=len(data), extra=b"X-Filename: scan.pdf\r\n"),
        "form, cut inside the file": _raw_request(unlocked_alice, "/api/v1/files/", form[:100_000],
                                                  content_type=MULTIPART_CONTENT, length=len(form)),
        "form, cut before the last boundary": _raw_request(unlocked_alice, "/api/v1/files/", form[:-10],
                                                           content_type=MULTIPART_CONTENT, length=len(form)),
    }
    for name, request in cases.items():
        answer = server.exchange(request)
        assert _status(answer) == 400, (name, answer[:300])
        assert b'"code":"upload_incomplete"' in answer.replace(b" ", b""), (name, answer[-300:])
        assert _nothing_left(server), name


@pytest.mark.django_db(transaction=True)
def test_over_a_socket_a_reset_mid_upload_leaves_nothing(server, unlocked_alice):
    data = pdf(300_000)
    for body, content_type in ((data, "application/pdf"), (_form(data), MULTIPART_CONTENT)):
        request = _raw_request(unlocked_alice, "/api/v1/files/", body[:150_000], content_type=content_type,
                               length=len(body), extra=b"X-Filename: scan.pdf\r\n")
        server.exchange(request, reset=True)
        assert _eventually_nothing_left(server), content_type
    # The server is still there, and still stores a whole upload.
    answer = server.exchange(_raw_request(unlocked_alice, "/api/v1/files/", data, content_type="application/pdf",
                                                   length=len(data), extra=b"X-Filename: scan.pdf\r\n"))
    assert _status(answer) == 201 and File.objects.get().plaintext_size == len(data)


@pytest.mark.django_db(transaction=True)
def test_over_a_socket_a_body_longer_than_its_length_is_read_only_to_its_length(server, unlocked_alice):
    data = pdf(5000)
    request = _raw_request(unlocked_alice, "/api/v1/files/", data, content_type="application/pdf", length=1000,
                           extra=b"X-Filename: scan.pdf\r\n")
    answer = server.exchange(request)
    # The first 1,000 bytes are the file; what follows is not a request, so the server refuses
    # it (or closes) and never answers 5xx.
    assert _status(answer) == 201 and File.objects.get().plaintext_size == 1000
    assert b"HTTP/1.1 5" not in answer
    record = json.dumps({"kind": "note", "data": {"title": "x", "text": "y"}}).encode()
    answer = server.exchange(_raw_request(unlocked_alice, "/api/v1/records/", record,
                                                   content_type="application/json", length=len(record) // 2))
    assert _status(answer) == 400 and not Record.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_over_a_socket_chunked_bodies_are_refused_or_read_whole(server, unlocked_alice):
    chunked = b"Transfer-Encoding: chunked\r\nX-Filename: scan.pdf\r\n"
    upload = _raw_request(unlocked_alice, "/api/v1/files/", b"9\r\n%PDF-1.7\n\r\n0\r\n\r\n",
                          content_type="application/pdf", length=None, extra=chunked)
    answer = server.exchange(upload)
    assert _status(answer) == 411 and b"length_required" in answer
    assert _nothing_left(server)
    for path in ("/api/v1/records/", "/api/v1/vault/unlock", LOGIN):
        truncated_chunk = _raw_request(unlocked_alice, path, b"ffff\r\n{}", content_type="application/json",
                                       length=None, extra=b"Transfer-Encoding: chunked\r\n")
        bad_size = _raw_request(unlocked_alice, path, DIGITS_5000.encode() + b"\r\n{}\r\n0\r\n\r\n",
                                content_type="application/json", length=None, extra=b"Transfer-Encoding: chunked\r\n")
        for request in (truncated_chunk, bad_size):
            status = _status(server.exchange(request))
            assert 400 <= status < 500, (path, status)
    assert not Record.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_over_a_socket_a_content_length_of_5000_digits_answers_400(server, unlocked_alice):
    request = _raw_request(unlocked_alice, "/api/v1/files/", b"%PDF-1.7\n", content_type="application/pdf",
                           length=None, extra=f"Content-Length: {DIGITS_5000}\r\nX-Filename: a.pdf\r\n".encode())
    assert _status(server.exchange(request)) == 400
    assert _nothing_left(server)
