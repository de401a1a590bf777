"""The foundation's acceptance flow over real HTTP, then a look inside the database and the cache."""

import base64

import requests
from django.core.cache import cache

from audit.models import AuditEvent
from tests.support.dumps import cache_keys, assert_absent, postgres_dump, redis_dump
from vault.crypto.kdf import normalize_pin
from vault.crypto.session import open_session
from vault.keyring import get_key_provider, parse_keyring
from vault.models import Vault
from vault.services import SERVER_SHARE_PURPOSE

PIN = "482915"
PASSWORD = "correct horse battery staple"


def test_the_whole_flow_works_over_http_and_leaves_no_secret_at_rest(live_server, settings):
    base = f"{live_server.url}/api/v1"
    http = requests.Session()
    steps = []

    def call(method, path, **kwargs):
        response = http.request(method, base + path, timeout=30, **kwargs)
        steps.append((method, path, response.status_code))
        return response

    signup = http.post(f"{live_server.url}/_allauth/app/v1/auth/signup", json={"email": "a@example.com", "password": PASSWORD},
                       timeout=30)
    assert signup.status_code == 200, signup.text
    token = call("POST", "/accounts/token", json={"username": "a@example.com", "password": PASSWORD, "name": "cli", "scopes": ["vault:manage", "records:read"]}).json()["token"]
    http.headers["Authorization"] = f"Token {token}"
    setup = call("POST", "/vault/setup", json={"pin": PIN})
    assert setup.status_code == 201
    recovery_code = setup.json()["recovery_code"]
    unlock = call("POST", "/vault/unlock", json={"pin": PIN})
    assert unlock.status_code == 200
    unlock_secret = unlock.json()["unlock_secret"]
    state = call("GET", "/vault", headers={"X-Vault-Unlock": unlock_secret}).json()
    assert state["state"] == "unlocked"

    # Before locking: take what the cache holds and prove it is useless without the secret.
    raw_cache = redis_dump()
    user_id = str(Vault.objects.get().user_id)
    epoch = Vault.objects.get().unlock_epoch
    (entry,) = [cache.get(k.decode().split(":", 2)[2]) for k in cache_keys("unlock:*")]
    keys = open_session(unlock_secret, user_id, epoch, base64.b64decode(entry["blob"]))
    secrets = {"PIN": normalize_pin(PIN), "unlock secret": unlock_secret, "KEK": keys.kek,
               "recovery code": recovery_code.replace("-", "")}
    secrets.update({f"vault key v{v}": k for v, k in keys.vault_keys.items()})
    for what in ("KEK", "vault key v1", "unlock secret", "PIN"):
        assert_absent(raw_cache, secrets[what], what)
    assert entry["blob"].encode() in raw_cache  # the sealed blob is what's there

    assert call("POST", "/vault/lock", headers={"X-Vault-Unlock": unlock_secret}).status_code == 204
    assert call("GET", "/vault", headers={"X-Vault-Unlock": unlock_secret}).json()["state"] == "locked"
    assert not cache_keys("unlock:*"), "lock must delete the cache entry at once"

    statuses = [call("POST", "/vault/unlock", json={"pin": "739164"}) for _ in range(5)]
    assert [r.status_code for r in statuses] == [403, 403, 403, 403, 429]
    assert int(statuses[-1].headers["Retry-After"]) >= 1

    actions = list(AuditEvent.objects.order_by("id").values_list("action", "outcome"))
    for expected in [("account.register", "success"), ("token.login", "success"), ("token.create", "success"),
                     ("vault.setup", "success"), ("vault.unlock", "success"), ("vault.lock", "success")]:
        assert expected in actions, expected
    assert actions.count(("vault.unlock", "failure")) == 5

    # The database: no PIN, vault key, KEK, unlock secret, server key or server share in the clear.
    dump = postgres_dump()
    assert b"vault_vaultkey" in dump and b"audit_auditevent" in dump  # the dump really holds our tables
    vault = Vault.objects.get()
    secrets["server share"] = get_key_provider().unwrap(
        vault.server_key_version, bytes(vault.wrapped_server_share), purpose=SERVER_SHARE_PURPOSE, subject=user_id
    )
    for version, key in parse_keyring(settings.COFFER_SERVER_KEYS).items():
        secrets[f"server key v{version}"] = key
    for what, secret in secrets.items():
        assert_absent(dump, secret, what)
