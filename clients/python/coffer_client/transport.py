"""One HTTP layer for both faces: JSON in and out, typed errors, and retries.

A 429 or 503 is retried with exponential backoff and jitter, waiting what `Retry-After`
says when the server says it. Never retried: `wrong_pin` (that attempt was counted, and
sending the PIN again would spend another), a wait longer than `max_retry_after` (the
error is raised at once, with `retry_after` set), and a body that cannot be sent again.
A refused connection is retried for any method (nothing reached the server); other
network failures only for GET and HEAD.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any

import httpx

from .errors import error_for

NOT_RETRIED_CODES = frozenset({"wrong_pin"})
RETRIED_STATUSES = frozenset({429, 503})
USER_AGENT = "coffer-client/0.1"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        backoff: float = min(self.max_delay, self.base_delay * 2.0**attempt)
        return backoff * random.uniform(0.5, 1.0)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait, from either form RFC 9110 allows: delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _error_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _is_retried(response: httpx.Response, body: Any) -> bool:
    if response.status_code not in RETRIED_STATUSES:
        return False
    return not (isinstance(body, dict) and body.get("code") in NOT_RETRIED_CODES)


Content = bytes | Callable[[], Iterable[bytes]] | None


class Transport:
    """Sends requests to one Coffer server. `content` may be bytes or a callable that gives a
    fresh iterable of the body for each attempt (an upload read again from its file)."""

    def __init__(
        self,
        server: str,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.http = httpx.Client(
            base_url=self.server,
            timeout=timeout,
            transport=transport,
            # A connection idle longer than this is not reused: servers close idle keep-alive
            # connections (gunicorn after 2 s), and a POST sent on one they are closing fails
            # with no answer and cannot be sent again (a PIN would count twice).
            limits=httpx.Limits(keepalive_expiry=1.0),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
        )

    def close(self) -> None:
        self.http.close()

    def send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        content: Content = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """The response of the first attempt that is not retried; raises the typed error for
        any 4xx or 5xx. With `stream=True` the caller must close the response."""
        headers = dict(headers or {})
        if json is not None:
            content = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            body = content() if callable(content) else content
            request = self.http.build_request(method, url, content=body, params=params, headers=headers)
            try:
                response = self.http.send(request, auth=auth, stream=True)
                if response.status_code < 400 and not stream:
                    response.read()
                    response.close()
            except httpx.TransportError as exc:
                safe = isinstance(exc, httpx.ConnectError) or method in ("GET", "HEAD")
                if not safe or attempt + 1 >= self.retry.attempts:
                    raise
                self.retry.sleep(self.retry.delay(attempt, None))
                attempt += 1
                continue
            if response.status_code < 400:
                return response
            response.read()
            response.close()
            error_body = _error_body(response)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            retried = (
                _is_retried(response, error_body)
                and attempt + 1 < self.retry.attempts
                and (retry_after is None or retry_after <= self.retry.max_retry_after)
            )
            if not retried:
                raise error_for(response.status_code, error_body, retry_after)
            self.retry.sleep(self.retry.delay(attempt, retry_after))
            attempt += 1

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.send(method, url, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def pages(self, url: str, *, params: dict[str, Any] | None = None, **kwargs: Any) -> Iterator[Any]:
        """Every item of a paginated list (`results`, following `next`)."""
        page = self.json("GET", url, params=params, **kwargs)
        while True:
            yield from page["results"]
            if not page.get("next"):
                return
            page = self.json("GET", page["next"], **kwargs)

    @contextmanager
    def streaming(self, method: str, url: str, **kwargs: Any) -> Iterator[httpx.Response]:
        response = self.send(method, url, stream=True, **kwargs)
        try:
            yield response
        finally:
            response.close()
