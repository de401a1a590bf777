"""The unlock-session cache entry is JSON (docs/format.md, "Unlock sessions"), and nothing
read from the cache is ever unpickled."""

import base64
import json
import os
import pickle

from django.core.cache import cache

from coffer.cache import JSONSerializer
from coffer.celery import app as celery_app
from tests.support.dumps import cache_keys
from vault.crypto.session import open_session
from vault.models import Vault


def _raw_entry() -> tuple[bytes, bytes]:
    (key,) = cache_keys("unlock:*")
    return key, cache._cache.get_client().get(key)


class _Planted:
    """Unpickling this creates a directory: proof that a pickle was read."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return os.mkdir, (self.path,)


def test_the_entry_is_documented_json_that_opens_with_the_secret(unlocked_alice):
    key, raw = _raw_entry()
    vault = Vault.objects.get(user=unlocked_alice.user)
    assert f":unlock:{vault.user_id}:{vault.unlock_epoch}:".encode() in key
    entry = json.loads(raw)
    assert raw == json.dumps(entry, separators=(",", ":"), sort_keys=True).encode()
    assert sorted(entry) == ["blob", "expires_at", "format", "idle_expires_at", "key_set_version", "token_id"]
    assert entry["format"] == 1 and entry["key_set_version"] == vault.key_set_version
    assert entry["idle_expires_at"] < entry["expires_at"]
    keys = open_session(unlocked_alice.unlock_secret, str(vault.user_id), vault.unlock_epoch,
                        base64.b64decode(entry["blob"], validate=True))
    assert set(keys.vault_keys) == {1}


def test_a_pickle_in_the_entrys_place_is_never_unpickled_and_reads_as_locked(unlocked_alice, tmp_path):
    key, raw = _raw_entry()
    marker = tmp_path / "unpickled"
    cache._cache.get_client().set(key, pickle.dumps(_Planted(str(marker))))
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "locked"
    assert not marker.exists()


def test_an_entry_of_an_unknown_format_reads_as_locked(unlocked_alice):
    key, raw = _raw_entry()
    entry = json.loads(raw)
    client = cache._cache.get_client()
    client.set(key, json.dumps({**entry, "format": 2}).encode())
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "locked"
    client.set(key, raw)
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"
    for broken in ({**entry, "blob": "not base64!"}, {**entry, "token_id": "1"}, {k: v for k, v in entry.items() if k != "expires_at"},
                   {**entry, "format": True}, {**entry, "format": 1.0}, {**entry, "expires_at": True}):
        client.set(key, json.dumps(broken).encode())
        assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "locked"
    client.set(key, raw.replace(b'"expires_at":', b'"expires_at":1e400,"x":'))  # infinity, not a 500
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "locked"


def test_the_serializer_keeps_integers_for_incr_and_refuses_what_json_cannot_hold():
    serializer = JSONSerializer()
    assert serializer.dumps(7) == 7 and serializer.loads(b"7") == 7
    assert serializer.loads(serializer.dumps({"b": [1.5, None, True], "a": "é"})) == {"a": "é", "b": [1.5, None, True]}
    assert serializer.loads(pickle.dumps({"a": 1})) is None
    assert serializer.loads(b"\xff\xfe") is None
    for unstorable in (b"bytes", {1, 2}, float("nan")):
        try:
            serializer.dumps(unstorable)
        except (TypeError, ValueError):
            continue
        raise AssertionError(f"{unstorable!r} was serialised")
    cache.set("counter", 1)
    assert cache.incr("counter", 2) == 3 and cache.get("counter") == 3


def test_celery_accepts_json_only():
    assert celery_app.conf.task_serializer == "json"
    assert list(celery_app.conf.accept_content) == ["json"]
    assert celery_app.conf.result_backend is None


def test_the_serializer_reads_utf8_only_and_refuses_a_byte_order_mark():
    serializer = JSONSerializer()
    assert serializer.loads('{"a":"é"}'.encode()) == {"a": "é"}
    assert serializer.loads(b"\xef\xbb\xbf" + b'{"a":1}') is None
    assert serializer.loads('{"a":1}'.encode("utf-16")) is None
