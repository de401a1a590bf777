"""The `coffer` command, run as a subprocess against a live Coffer: sign-in, records round
trip, a 100 MiB file up and down, progress on stderr, --json parsed, the app commands."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.records.samples import valid

from .conftest import PASSWORD, PIN, as_json, client_env, make_user, ok, run_cli

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024


def test_secrets_are_never_taken_from_the_command_line(tmp_path):
    env = client_env(tmp_path)
    for args in (["unlock", "--pin", PIN], ["login", "--password", PASSWORD], ["setup", "--pin", PIN]):
        refused = run_cli(*args, env=env, cwd=tmp_path)
        assert refused.returncode == 2 and "No such option" in refused.stderr
    # With no terminal and no variable, it says where the secret should come from.
    missing = run_cli("--server", "http://127.0.0.1:9", "login", "--username", "alice", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "COFFER_PASSWORD" in missing.stderr


def test_a_record_goes_round_trip_through_the_cli(signed_in, tmp_path):
    env = signed_in
    unlock = as_json(run_cli("unlock", "--json", env={**env, "COFFER_PIN": PIN}, cwd=tmp_path))
    env = {**env, "COFFER_UNLOCK": unlock["unlock_secret"]}
    shell = ok(run_cli("unlock", env={**env, "COFFER_PIN": PIN}, cwd=tmp_path))
    assert shell.startswith("export COFFER_UNLOCK=")

    card = valid("bank_card")
    added = as_json(run_cli("records", "add", "bank_card", "--label", "Everyday Visa", "--json",
                            input=json.dumps(card), env=env, cwd=tmp_path))
    assert added["kind"] == "bank_card" and added["data"]["number"] != card["number"]
    table = ok(run_cli("records", "ls", env=env, cwd=tmp_path))
    assert "Everyday Visa" in table and added["id"] in table
    assert card["number"].replace(" ", "") not in table

    revealed = as_json(run_cli("--json", "records", "get", added["id"], "--reveal", env=env, cwd=tmp_path))
    assert revealed["data"]["number"] == card["number"].replace(" ", "") and revealed["revealed"] is True
    edited = as_json(run_cli("records", "edit", added["id"], "--label", "Old Visa", "--data-file", "-", "--json",
                             input=json.dumps({"holder": "Alice Q. Example"}), env=env, cwd=tmp_path))
    assert (edited["label"], edited["revision"]) == ("Old Visa", added["revision"] + 1)
    stale = run_cli("records", "edit", added["id"], "--label", "x", "--if-match", added["etag"], env=env, cwd=tmp_path)
    assert stale.returncode == 1 and "precondition_failed" in stale.stderr

    rotated = run_cli("rotate", env=env, cwd=tmp_path)
    assert "done" in ok(rotated) and rotated.stderr.splitlines()[-1] == "done: 1/1 items"
    assert as_json(run_cli("status", "--json", env=env, cwd=tmp_path))["key_version"] == 2

    ok(run_cli("records", "rm", added["id"], env=env, cwd=tmp_path))
    assert as_json(run_cli("records", "ls", "--json", env=env, cwd=tmp_path)) == []

    ok(run_cli("lock", env=env, cwd=tmp_path))
    locked = run_cli("records", "ls", env=env, cwd=tmp_path)
    assert locked.returncode == 1 and "vault_locked" in locked.stderr

    ok(run_cli("logout", env=env, cwd=tmp_path))
    assert "token" not in json.loads((tmp_path / "coffer-config.json").read_text())
    signed_out = run_cli("status", env=env, cwd=tmp_path)
    assert signed_out.returncode == 2 and "coffer login" in signed_out.stderr


def test_a_100_mib_file_goes_up_and_down_with_progress_and_the_same_sha256(signed_in, tmp_path):
    env = {**signed_in, "COFFER_PIN": PIN}  # each command unlocks with the PIN and locks when done
    source = tmp_path / "scan.pdf"
    with source.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        for _ in range(100):
            out.write(os.urandom(MIB))
    size = source.stat().st_size

    put = run_cli("files", "put", str(source), "--name", "Scan Zoë.pdf", "--json", env=env, cwd=tmp_path)
    uploaded = as_json(put)
    assert (uploaded["size"], uploaded["filename"], uploaded["content_type"]) == (size, "Scan Zoë.pdf", "application/pdf")
    assert "up scan.pdf" in put.stderr and "100%" in put.stderr and "100.0/100.0 MiB" in put.stderr

    listed = ok(run_cli("files", "ls", env=env, cwd=tmp_path))
    assert uploaded["id"] in listed

    got = run_cli("files", "get", uploaded["id"], "-o", "back.pdf", env=env, cwd=tmp_path)
    assert "down back.pdf" in got.stderr and "100%" in got.stderr
    assert f"Wrote back.pdf ({size} bytes)" in ok(got)
    assert hashlib.sha256((tmp_path / "back.pdf").read_bytes()).hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()


def test_an_app_is_made_registered_and_opens_and_verifies_with_the_cli(signed_in, live_coffer, tmp_path):
    from coffer_client import Coffer

    from sharing.models import App
    from sharing.services import app_approve

    env = {**signed_in, "COFFER_APP_KEYS": str(tmp_path / "app-keys.json")}
    keys = as_json(run_cli("app", "keygen", "--json", env=env, cwd=tmp_path))
    assert (tmp_path / "app-keys.json").stat().st_mode & 0o777 == 0o600
    registered = as_json(run_cli("app", "register", "--name", "CLI app", "--callback", "https://cli.example/cb",
                                 "--json", env=env, cwd=tmp_path))
    assert registered["state"] == "pending" and registered["sign_public_key"] == keys["sign_public_key"]
    pending = run_cli("app", "grants", env=env, cwd=tmp_path)
    assert pending.returncode == 1 and "app_not_approved" in pending.stderr
    app_approve(app=App.objects.get(id=registered["id"]), actor=None)

    token = json.loads((tmp_path / "coffer-config.json").read_text())["token"]
    with Coffer(live_coffer.url, token) as alice:
        alice.unlock(PIN)
        card = alice.create_record("bank_card", valid("bank_card"), label="Visa")
        grant = alice.create_grant(registered["id"], [{"record_id": card.id, "fields": ["holder"]}],
                                   expires_at=timezone.now() + timedelta(days=1))
        signed = alice.attest("consent:cli.example/terms", {"agreed": True})
        handle = alice.publish_key_handle()

    assert [g["id"] for g in as_json(run_cli("app", "grants", "--json", env=env, cwd=tmp_path))] == [grant.id]
    [opened] = as_json(run_cli("app", "open", grant.id, "--json", env=env, cwd=tmp_path))
    assert opened["records"][0]["fields"] == {"holder": valid("bank_card")["holder"]}
    assert valid("bank_card")["holder"] in ok(run_cli("app", "open", env=env, cwd=tmp_path))

    attestation = tmp_path / "attestation.json"
    attestation.write_text(json.dumps(signed))
    by_handle = as_json(run_cli("app", "verify", str(attestation), "--key-handle", handle, "--purpose",
                                "consent:cli.example/terms", "--json", env=env, cwd=tmp_path))
    assert by_handle["verified"] is True and by_handle["payload"] == {"agreed": True}
    offline = run_cli("app", "verify", "-", "--public-key", signed["public_key"], input=json.dumps(signed),
                      env={"PATH": env["PATH"], "PYTHONPATH": env["PYTHONPATH"]}, cwd=tmp_path)
    assert "consent:cli.example/terms" in ok(offline)
    wrong_purpose = run_cli("app", "verify", str(attestation), "--public-key", signed["public_key"], "--purpose",
                            "location-fix", env=env, cwd=tmp_path)
    assert wrong_purpose.returncode == 1 and "verification failed" in wrong_purpose.stderr and wrong_purpose.stdout == ""


def test_the_app_downloads_and_verifies_a_shared_scan_with_the_cli(signed_in, live_coffer, tmp_path):
    from coffer_client import Coffer

    from sharing.models import App
    from sharing.services import app_approve

    env = {**signed_in, "COFFER_APP_KEYS": str(tmp_path / "app-keys.json")}
    ok(run_cli("app", "keygen", env=env, cwd=tmp_path))
    registered = as_json(run_cli("app", "register", "--name", "Scan app", "--callback", "https://scan.example/cb",
                                 "--json", env=env, cwd=tmp_path))
    app_approve(app=App.objects.get(id=registered["id"]), actor=None)
    front = b"%PDF-1.7\n" + os.urandom(3 * MIB)
    (tmp_path / "front.pdf").write_bytes(front)
    token = json.loads((tmp_path / "coffer-config.json").read_text())["token"]
    with Coffer(live_coffer.url, token) as alice:
        alice.unlock(PIN)
        passport = alice.create_record("passport", valid("passport"))
        alice.put_scan(passport.id, "front", tmp_path / "front.pdf")
        grant = alice.create_grant(registered["id"], [{"record_id": passport.id, "fields": ["surname"],
                                                      "scans": ["front"]}],
                                   expires_at=timezone.now() + timedelta(days=1))
    got = run_cli("app", "scans", grant.id, "--out", str(tmp_path / "scans"), "--json", env=env, cwd=tmp_path)
    [scan] = as_json(got)
    assert "down " in got.stderr and "100%" in got.stderr
    assert (scan["record_id"], scan["role"], scan["size"]) == (passport.id, "front", len(front))
    assert scan["sha256"] == hashlib.sha256(front).hexdigest() and "key" not in scan
    assert scan["path"].endswith(f"{passport.id}-front-1.pdf")
    assert (tmp_path / "scans" / f"{passport.id}-front-1.pdf").read_bytes() == front
    opened = as_json(run_cli("app", "open", grant.id, "--json", env=env, cwd=tmp_path))
    assert [s["role"] for s in opened[0]["records"][0]["scans"]] == ["front"]
    assert "key" not in opened[0]["records"][0]["scans"][0]
    missing = run_cli("app", "scans", "00000000-0000-4000-8000-000000000000", "--out", str(tmp_path / "x"),
                      env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "not_found" in missing.stderr

    # The app asks for a better front; the user reads it, replaces the scan; the app sees it resolved.
    reported = as_json(run_cli("app", "correct", grant.id, passport.id, "--scan-role", "front",
                               "--message", "The front is too dark.", "--json", env=env, cwd=tmp_path))
    assert reported["state"] == "open"
    user_env = {**signed_in, "COFFER_PIN": PIN}
    [problem] = as_json(run_cli("records", "problems", passport.id, "--json", env=user_env, cwd=tmp_path))
    assert (problem["message"], problem["scan_role"], problem["app"]["name"]) == (
        "The front is too dark.", "front", "Scan app")
    with Coffer(live_coffer.url, token) as alice:
        alice.unlock(PIN)
        alice.put_scan(passport.id, "front", tmp_path / "front.pdf", replace=True)
    [state] = as_json(run_cli("app", "corrections", grant.id, "--json", env=env, cwd=tmp_path))
    assert (state["id"], state["state"], state["reason"]) == (reported["id"], "resolved", "changed")
    assert "message" not in state
    not_shared = run_cli("app", "correct", grant.id, passport.id, "--field", "date_of_birth", "--message", "x",
                         env=env, cwd=tmp_path)
    assert not_shared.returncode == 1 and "not_shared" in not_shared.stderr

    # A field correction the user dismisses by hand: the app sees it dismissed.
    surname = as_json(run_cli("app", "correct", grant.id, passport.id, "--field", "surname",
                              "--message", "Spell it as on the scan.", "--json", env=env, cwd=tmp_path))
    listed = as_json(run_cli("records", "problems", passport.id, "--dismiss", surname["id"], "--json",
                             env=user_env, cwd=tmp_path))
    assert {(c["id"], c["state"], c["reason"]) for c in listed} == {
        (reported["id"], "resolved", "changed"), (surname["id"], "resolved", "dismissed")}
    states = {c["id"]: c["reason"] for c in as_json(run_cli("app", "corrections", grant.id, "--json", env=env,
                                                            cwd=tmp_path))}
    assert states == {reported["id"]: "changed", surname["id"]: "dismissed"}
