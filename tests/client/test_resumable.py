"""Resumable uploads from the client against a live Coffer (gunicorn, S3): a 100 MiB file
whose upload is cut off by killing gunicorn's worker mid-segment, resumed by a later call
from the state file beside it, and by the CLI; the SHA-256 read back is the file's."""

from __future__ import annotations

import hashlib
import json
import os
import signal
from pathlib import Path

import pytest

from .conftest import PIN, as_json, make_user, ok, run_cli, token_for

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024


def _big_pdf(path: Path, mib: int = 100) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for piece in [b"%PDF-1.7\n", *(os.urandom(MIB) for _ in range(mib))]:
            out.write(piece)
            digest.update(piece)
    return digest.hexdigest()


def _killer(live_coffer, at: int):
    """A progress callback that SIGKILLs the gunicorn worker once `at` bytes went out."""
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if done >= at and not killed:
            pid = live_coffer.worker_pid()
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    return progress, killed


def test_a_100_mib_upload_cut_off_by_a_killed_worker_resumes_in_a_later_call(live_coffer, tmp_path):
    from coffer_client import Coffer, TransferError

    from uploads.models import UploadSession

    source = tmp_path / "scan.pdf"
    expected = _big_pdf(source)
    with Coffer(live_coffer.url, token_for(make_user("alice"))) as coffer:
        coffer.setup(PIN)
        coffer.unlock(PIN)
        progress, killed = _killer(live_coffer, 80 * MIB)  # inside the second 64 MiB segment
        with pytest.raises(TransferError):
            coffer.upload(source, resumable=True, progress=progress, attempts=1)
        assert killed
        state_file = tmp_path / "scan.pdf.coffer-upload"
        state = json.loads(state_file.read_text())
        assert state_file.stat().st_mode & 0o777 == 0o600
        assert set(state) == {"version", "server", "upload_id", "size", "mtime_ns", "offset"}  # no secret
        session = UploadSession.objects.get(pk=state["upload_id"])
        assert session.offset == 64 * MIB  # the first segment, and nothing of the cut one

        seen: list[int] = []
        info = coffer.upload(source, resumable=True, progress=lambda done, total: seen.append(done))
        assert seen[0] == 64 * MIB and seen[-1] == source.stat().st_size
        assert info.id == state["upload_id"] and info.size == source.stat().st_size
        assert not state_file.exists() and not UploadSession.objects.exists()
        back = hashlib.sha256(b"".join(coffer.read(info.id))).hexdigest()
    assert back == expected


def test_a_dropped_connection_is_resumed_within_the_same_call(live_coffer, tmp_path):
    from coffer_client import Coffer

    source = tmp_path / "scan.pdf"
    expected = _big_pdf(source, mib=20)
    with Coffer(live_coffer.url, token_for(make_user("bea"))) as coffer:
        coffer.setup(PIN)
        coffer.unlock(PIN)
        progress, killed = _killer(live_coffer, 12 * MIB)
        info = coffer.upload(source, resumable=True, progress=progress)
        assert killed and info.size == source.stat().st_size
        assert hashlib.sha256(b"".join(coffer.read(info.id))).hexdigest() == expected


def test_the_cli_put_goes_on_where_an_interrupted_put_stopped(signed_in, live_coffer, tmp_path):
    """As if an earlier `put` stopped after its first segment: the state file names the session."""
    from coffer_client import Coffer
    from coffer_client.resumable import STATE_VERSION, UploadState, _save_state

    from uploads.models import UploadSession

    env = {**signed_in, "COFFER_PIN": PIN}
    source = tmp_path / "scan.pdf"
    expected = _big_pdf(source, mib=70)
    token = json.loads((tmp_path / "coffer-config.json").read_text())["token"]
    with Coffer(live_coffer.url, token) as coffer:
        coffer.unlock(PIN)
        started = coffer.http.json("POST", "/api/v1/uploads/", headers=coffer._headers(), json={
            "size": source.stat().st_size, "filename": "scan.pdf", "content_type": "application/pdf"})
        with source.open("rb") as file:
            segment = file.read(64 * MIB)
        coffer.http.send("PATCH", f"/api/v1/uploads/{started['id']}", content=segment,
                         headers={**coffer._headers(), "Upload-Offset": "0"})
        stat = source.stat()
        _save_state(source, UploadState(STATE_VERSION, coffer.http.server, started["id"], stat.st_size,
                                        stat.st_mtime_ns, 0))
    put = run_cli("files", "put", str(source), "--json", env=env, cwd=tmp_path)
    assert as_json(put)["id"] == started["id"] and not UploadSession.objects.exists()
    ok(run_cli("files", "get", started["id"], "-o", "back.pdf", env=env, cwd=tmp_path))
    assert hashlib.sha256((tmp_path / "back.pdf").read_bytes()).hexdigest() == expected


def test_a_session_ended_under_the_upload_is_started_over_once(live_coffer, tmp_path):
    """Cancelled from elsewhere in the middle (as an expiry would): the client starts a new session."""
    from coffer_client import Coffer

    source = tmp_path / "scan.pdf"
    expected = _big_pdf(source, mib=20)
    with Coffer(live_coffer.url, token_for(make_user("dora"))) as coffer:
        coffer.setup(PIN)
        coffer.unlock(PIN)
        cancelled: list[str] = []

        def progress(done: int, total: int) -> None:
            state = tmp_path / "scan.pdf.coffer-upload"
            if done >= 10 * MIB and not cancelled:
                cancelled.append(json.loads(state.read_text())["upload_id"])
                coffer.cancel_upload(source)

        info = coffer.upload(source, resumable=True, progress=progress)
        assert cancelled and info.id != cancelled[0]
        assert hashlib.sha256(b"".join(coffer.read(info.id))).hexdigest() == expected
