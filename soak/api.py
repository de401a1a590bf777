"""One soak client's HTTP session, and the run's tally of what the server answered.

Request bodies (PINs, recovery codes) are never logged; a 5xx is logged by method,
route and error code only.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# A 5xx counts as caused by a kill when a kill of the web or S3 server, or the outage
# after it, comes within this many seconds of the request.
KILL_MARGIN_SECONDS = 2.0


RESOLVE_SECONDS = 180.0


class Lost(Exception):
    """The connection died: the request may or may not have taken effect."""


class Unresolved(Exception):
    """The server did not answer for minutes: the soak cannot tell what happened."""


@dataclass
class ServerError:
    started: float
    ended: float
    method: str
    route: str
    status: int
    code: str


@dataclass
class Outage:
    service: str
    killed_at: float
    back_at: float | None = None


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter = field(default_factory=Counter)
    server_errors: list[ServerError] = field(default_factory=list)
    lost_connections: list[tuple[float, float, str]] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n

    def note(self, text: str) -> None:
        """Something worth a line in the report (a finding); never a secret."""
        text = f"t={time.monotonic() - self.started:.1f}s {text}"
        with self.lock:
            self.notes.append(text)
            self.counts["findings"] += 1
        print(f"soak: FINDING {text}", flush=True)

    def outage_begins(self, service: str) -> Outage:
        outage = Outage(service, time.monotonic())
        with self.lock:
            self.outages.append(outage)
            self.counts[f"kills_{service}"] += 1
        return outage

    def near_kill(self, started: float, ended: float, services=("web", "s3")) -> bool:
        with self.lock:
            outages = [o for o in self.outages if o.service in services]
        now = time.monotonic()
        for outage in outages:
            back = outage.back_at if outage.back_at is not None else now
            if started <= back + KILL_MARGIN_SECONDS and ended >= outage.killed_at - KILL_MARGIN_SECONDS:
                return True
        return False

    def errors_outside_kills(self) -> list[ServerError]:
        return [e for e in self.server_errors if not self.near_kill(e.started, e.ended)]

    def lost_outside_kills(self) -> list[tuple[float, float, str]]:
        return [c for c in self.lost_connections if not self.near_kill(c[0], c[1])]


def route_of(path: str) -> str:
    return UUID.sub("{id}", path.split("?", 1)[0])


class Api:
    """A requests session holding a token, and this client's unlock secret."""

    def __init__(self, base_url: str, token: str, tally: Tally):
        self.base_url, self.tally = base_url, tally
        self.session = requests.Session()
        # Production sits behind a proxy that terminates TLS; say so, as nginx would.
        self.session.headers.update({"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"})
        self.unlock_secret: str | None = None

    def call(self, method: str, path: str, *, unlocked: bool = True, headers: dict | None = None,
             timeout: float = 120.0, **kwargs) -> requests.Response:
        headers = dict(headers or {})
        if unlocked and self.unlock_secret:
            headers["X-Vault-Unlock"] = self.unlock_secret
        started = time.monotonic()
        try:
            response = self.session.request(method, self.base_url + path, headers=headers,
                                            timeout=(5, timeout), allow_redirects=False, **kwargs)
            _ = response.content  # the whole body, so a stream cut by a kill shows up here
        except requests.RequestException as exc:
            ended = time.monotonic()
            with self.tally.lock:
                self.tally.lost_connections.append(
                    (started, ended, f"t={started - self.tally.started:.1f}s {method} {route_of(path)}: "
                                     f"{type(exc).__name__} {str(exc)[-120:]}"))
                self.tally.counts["connections_lost"] += 1
            raise Lost(str(exc)) from None
        ended = time.monotonic()
        self.tally.count("requests")
        if response.status_code >= 500:
            error = ServerError(started, ended, method, route_of(path), response.status_code, error_code(response))
            with self.tally.lock:
                self.tally.server_errors.append(error)
        return response


def error_code(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return body.get("code", "") if isinstance(body, dict) else ""


def retry_until_answered(call, tally: Tally, what: str) -> requests.Response:
    """Calls `call` until the server answers below 500 (servers come back after a kill)."""
    deadline = time.monotonic() + RESOLVE_SECONDS
    while time.monotonic() < deadline:
        try:
            response = call()
            if response.status_code < 500:
                return response
        except Lost:
            pass
        time.sleep(0.3)
    tally.note(f"{what}: no answer for {RESOLVE_SECONDS:.0f}s")
    raise Unresolved(what)
