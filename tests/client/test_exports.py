"""Exports through the client package and `coffer export`, against the live server and its worker:
start, follow, download (resuming), and the file opens with the passphrase to the records put in."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from exports.age import age_decrypt_stream
from tests.records.samples import valid

from .conftest import PIN, as_json, make_user, ok, run_cli, token_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSPHRASE = "lantern orbit meadow quartz violet harbor"


def _members(path: Path, passphrase: str) -> dict[str, bytes]:
    plain = b"".join(age_decrypt_stream(passphrase, iter([path.read_bytes()])))
    with tarfile.open(fileobj=io.BytesIO(plain)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


@pytest.fixture
def coffer(live_coffer):
    from coffer_client import Coffer

    with Coffer(live_coffer.url, token_for(make_user("erin"))) as client:
        client.setup(PIN)
        client.unlock(PIN)
        yield client


def test_an_export_is_started_followed_and_downloaded_resuming_a_partial_file(coffer, tmp_path):
    card = coffer.create_record("bank_card", valid("bank_card"), label="Everyday Visa")
    assert len(coffer.export_passphrase_suggestion().split("-")) >= 5
    job = coffer.start_export(PASSPHRASE)
    seen = []
    job = coffer.follow_export(job.id, on_progress=seen.append, interval=0.2, timeout=120)
    assert job.state == "done" and job.size > 0 and seen[-1].state == "done"
    assert [e.id for e in coffer.exports()] == [job.id]

    # A download cut short leaves <name>.part; the next call continues it with Range.
    whole = coffer.download_export(job.id, tmp_path / "whole.age")
    destination = tmp_path / "vault.age"
    partial = destination.with_name("vault.age.part")
    partial.write_bytes(whole.read_bytes()[:1000])
    ranges = []
    coffer.download_export(job.id, destination, progress=lambda done, total: ranges.append(done))
    assert ranges[0] == 1000  # it went on from the partial file's end
    assert destination.read_bytes() == whole.read_bytes() and not partial.exists()

    records = json.loads(_members(destination, PASSPHRASE)["coffer-export/records.json"])["records"]
    assert [(r["id"], r["label"], r["fields"]["holder"]) for r in records] == [
        (card.id, "Everyday Visa", valid("bank_card")["holder"])
    ]


def test_a_weak_export_passphrase_is_refused_with_its_code(coffer):
    from coffer_client import InvalidRequest

    with pytest.raises(InvalidRequest) as refused:
        coffer.start_export("123456")
    assert refused.value.code == "weak_passphrase"


def test_coffer_export_waits_downloads_and_the_file_opens_with_the_passphrase(signed_in, live_coffer, tmp_path):
    from coffer_client import Coffer

    with Coffer(live_coffer.url, json.loads((tmp_path / "coffer-config.json").read_text())["token"]) as alice:
        alice.unlock(PIN)
        alice.create_record("note", valid("note"), label="Wi-Fi")
        alice.lock()
    env = {**signed_in, "COFFER_PIN": PIN, "COFFER_EXPORT_PASSPHRASE": PASSPHRASE}
    done = run_cli("export", "-o", "mine.age", "--json", env=env, cwd=tmp_path)
    result = as_json(done)
    assert result["state"] == "done" and result["path"] == "mine.age"
    assert "down mine.age" in done.stderr and "100%" in done.stderr
    records = json.loads(_members(tmp_path / "mine.age", PASSPHRASE)["coffer-export/records.json"])["records"]
    assert [r["label"] for r in records] == ["Wi-Fi"]
    again = run_cli("export", "-o", "mine.age", env=env, cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    assert PASSPHRASE not in ok(run_cli("--json", "records", "ls", env=env, cwd=tmp_path))
