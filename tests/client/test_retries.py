"""coffer-client's retry policy, against scripted answers (httpx.MockTransport stands in for
the network): 429 and 503 retried with Retry-After honoured, and what is never retried."""

from __future__ import annotations

import base64

import httpx
import pytest


def scripted(*answers: httpx.Response):
    """A transport answering these responses in turn, recording every request it got."""
    requests: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        requests.append(request)
        return queue.pop(0)

    return httpx.MockTransport(handle), requests


def error(status: int, code: str, retry_after: str | None = None, **extra) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(status, json={"code": code, "detail": "scripted", **extra}, headers=headers)


def client(transport, waits: list[float], **policy):
    from coffer_client import Coffer, RetryPolicy

    return Coffer("http://coffer.test", "token", transport=transport, retry=RetryPolicy(sleep=waits.append, **policy))


def test_a_429_waits_what_retry_after_says_then_succeeds():
    transport, requests = scripted(
        error(429, "pin_backoff", "7"), error(503, "unlock_busy", "2"),
        httpx.Response(200, json={"unlock_secret": "s", "idle_expires_at": "a", "expires_at": "b"}),
    )
    waits: list[float] = []
    coffer = client(transport, waits)
    coffer.unlock("482915")
    assert waits == [7.0, 2.0]
    assert len(requests) == 3 and all(r.content == b'{"pin":"482915"}' for r in requests)
    assert coffer.unlock_secret == "s"


def test_without_retry_after_the_waits_back_off_exponentially_with_jitter():
    transport, requests = scripted(*[error(503, "storage_unavailable")] * 4, httpx.Response(200, json={"state": "unset"}))
    waits: list[float] = []
    assert client(transport, waits, base_delay=1.0).vault() == {"state": "unset"}
    assert len(waits) == 4
    for attempt, wait in enumerate(waits):
        assert 2**attempt * 0.5 <= wait <= 2**attempt


def test_retry_after_as_an_http_date_is_understood():
    from coffer_client.transport import parse_retry_after

    assert parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now=1792567700.0) == 10.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("soon") is None


def test_a_wrong_pin_is_raised_at_once_and_never_sent_again():
    from coffer_client import WrongPin

    transport, requests = scripted(error(429, "wrong_pin", "30", attempts_remaining=4))
    waits: list[float] = []
    with pytest.raises(WrongPin) as wrong:
        client(transport, waits).unlock("000000")
    assert len(requests) == 1 and waits == []
    assert wrong.value.attempts_remaining == 4 and wrong.value.retry_after == 30.0


def test_a_wait_longer_than_the_policy_allows_is_raised_with_its_retry_after():
    from coffer_client import RateLimited

    transport, requests = scripted(error(429, "throttled", "3600"))
    waits: list[float] = []
    with pytest.raises(RateLimited) as limited:
        client(transport, waits, max_retry_after=60).vault()
    assert len(requests) == 1 and waits == [] and limited.value.retry_after == 3600.0


def test_retries_stop_after_the_last_attempt_with_the_typed_error():
    from coffer_client import ServiceUnavailable

    transport, requests = scripted(*[error(503, "storage_unavailable", "1")] * 3)
    waits: list[float] = []
    with pytest.raises(ServiceUnavailable) as unavailable:
        client(transport, waits, attempts=3).vault()
    assert len(requests) == 3 and waits == [1.0, 1.0] and unavailable.value.code == "storage_unavailable"


def test_an_upload_retried_after_a_503_is_sent_again_from_its_first_byte(tmp_path):
    transport, requests = scripted(
        error(503, "storage_unavailable", "0"),
        httpx.Response(201, json={"id": "f", "filename": "a.pdf", "content_type": "application/pdf", "size": 5,
                                  "record": None, "created_at": "now"}),
    )
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-")
    waits: list[float] = []
    assert client(transport, waits).upload(path).id == "f"
    assert [r.content for r in requests] == [b"%PDF-", b"%PDF-"]
    assert all(r.headers["Content-Length"] == "5" and "Transfer-Encoding" not in r.headers for r in requests)


def test_a_retried_app_request_is_signed_again_with_a_fresh_nonce():
    from nacl.signing import VerifyKey

    from coffer_client import AppClient, AppKeys, RetryPolicy, request_message

    transport, requests = scripted(error(503, "busy", "0"), httpx.Response(200, json={"id": "a", "state": "approved"}))
    keys = AppKeys.generate()
    keys.app_id = "c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c"
    app = AppClient("http://coffer.test", keys, transport=transport, retry=RetryPolicy(sleep=lambda s: None))
    assert app.me()["state"] == "approved"
    first, second = requests
    assert first.headers["X-App-Nonce"] != second.headers["X-App-Nonce"]
    for request in requests:
        message = request_message(app_id=keys.app_id, method="GET", path="/api/v1/apps/me/", body=b"",
                                  timestamp=request.headers["X-App-Timestamp"], nonce=request.headers["X-App-Nonce"])
        VerifyKey(bytes(keys.sign_key.verify_key)).verify(message, base64.b64decode(request.headers["X-App-Signature"]))


def test_an_answer_that_is_not_coffers_json_is_still_a_typed_error():
    from coffer_client import ServerError

    transport, _ = scripted(httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(ServerError) as failed:
        client(transport, []).vault()
    assert failed.value.status == 502 and failed.value.code == "http_502"


def test_a_download_cut_off_mid_stream_continues_with_a_range_from_the_last_byte(tmp_path):
    content = bytes(range(256)) * 4096  # 1 MiB
    ranges: list[str | None] = []

    class CutOff(httpx.SyncByteStream):
        def __iter__(self):
            yield content[:300_000]
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/content"):
            ranges.append(request.headers.get("Range"))
            if len(ranges) == 1:
                return httpx.Response(200, headers={"Content-Length": str(len(content))}, stream=CutOff())
            start = int(request.headers["Range"].removeprefix("bytes=").rstrip("-"))
            return httpx.Response(206, content=content[start:],
                                  headers={"Content-Range": f"bytes {start}-{len(content) - 1}/{len(content)}"})
        return httpx.Response(200, json={"id": "f", "filename": "a.pdf", "content_type": "application/pdf",
                                         "size": len(content), "record": None, "created_at": "now"})

    waits: list[float] = []
    done = client(httpx.MockTransport(handle), waits).download("f", tmp_path / "a.pdf")
    assert done.read_bytes() == content
    assert ranges == [None, "bytes=300000-"]
