"""Rotation jobs through the API, driven step by step in-process; the crash tests use a real worker."""

import pytest

from audit.models import AuditEvent
from records.models import Record
from vault.models import RotationJob, Vault, VaultKey
from vault.rotation.services import rotation_step
from vault.services import user_keys_open, vault_keys

URL = "/api/v1/vault/rotations/"


def _records(person, count=3):
    ids = []
    for n in range(count):
        response = person.client.post("/api/v1/records/", {"kind": "note", "label": f"note {n}", "data": {"title": f"t{n}", "text": f"secret text {n}"}}, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def _read(person, record_id):
    response = person.client.get(f"/api/v1/records/{record_id}/?reveal=true")
    assert response.status_code == 200, response.content
    return response.json()


def _drive(job_id):
    """Runs the job to its end; then the consistency check finds nothing wrong (issue 22)."""
    from consistency.services import consistency_check

    for _ in range(100):
        if rotation_step(job_id=job_id, budget_seconds=5).finished:
            report = consistency_check()
            assert report.clean, report.as_dict()
            return
    raise AssertionError("the job did not finish")


@pytest.mark.parametrize("kind", ["rewrap", "reencrypt"])
def test_a_rotation_moves_every_record_to_the_new_key_and_destroys_the_old_one(unlocked_alice, kind):
    ids = _records(unlocked_alice)
    before = {i: _read(unlocked_alice, i)["data"] for i in ids}
    old_ciphertexts = {r.pk: bytes(r.ciphertext) for r in Record.objects.all()}
    response = unlocked_alice.client.post(URL, {"kind": kind}, format="json")
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["state"] == "running" and job["items_total"] == 3 and job["target_version"] == 2
    _drive(job["id"])
    progress = unlocked_alice.client.get(f"{URL}{job['id']}/").json()
    assert progress["state"] == "done" and progress["items_done"] == 3 and progress["progress"] == 1.0
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]
    assert set(Record.objects.values_list("vault_key_version", flat=True)) == {2}
    changed = [bytes(r.ciphertext) != old_ciphertexts[r.pk] for r in Record.objects.all()]
    assert all(changed) if kind == "reencrypt" else not any(changed)
    assert {i: _read(unlocked_alice, i)["data"] for i in ids} == before
    # The session followed the rotation; a fresh unlock opens the new version with the same PIN.
    unlocked_alice.unlock()
    assert _read(unlocked_alice, ids[0])["data"] == before[ids[0]]
    assert RotationJob.objects.get().sealed_keys in (b"", memoryview(b""))
    assert AuditEvent.objects.filter(action="rotation.finish", outcome="success").exists()


def test_the_users_keypairs_move_with_the_vault_key(unlocked_alice):
    keys = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    _, signing_before = user_keys_open(vault=Vault.objects.get(), keys=keys)
    job = unlocked_alice.client.post(URL, {"kind": "rewrap"}, format="json").json()
    _drive(job["id"])
    vault = Vault.objects.get()
    assert vault.user_keys_vk_version == 2
    keys = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    assert bytes(user_keys_open(vault=vault, keys=keys)[1]) == bytes(signing_before)


def test_a_second_rotation_while_one_runs_answers_409(unlocked_alice):
    _records(unlocked_alice, 1)
    assert unlocked_alice.client.post(URL, {"kind": "rewrap"}, format="json").status_code == 202
    response = unlocked_alice.client.post(URL, {"kind": "reencrypt"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "rotation_running"


def test_a_rotation_needs_an_unlocked_vault(alice):
    alice.setup_vault()
    response = alice.client.post(URL, {"kind": "rewrap"}, format="json")
    assert response.status_code == 423


def test_an_unknown_kind_names_the_field(unlocked_alice):
    response = unlocked_alice.client.post(URL, {"kind": "shred"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["fields"]


def test_another_users_job_answers_404(unlocked_alice, unlocked_bob):
    job = unlocked_alice.client.post(URL, {"kind": "rewrap"}, format="json").json()
    assert unlocked_bob.client.get(f"{URL}{job['id']}/").status_code == 404
    assert unlocked_bob.client.get(f"{URL}not-a-uuid/").status_code == 404


def test_rerunning_a_finished_job_changes_nothing(unlocked_alice):
    _records(unlocked_alice, 2)
    job = unlocked_alice.client.post(URL, {"kind": "reencrypt"}, format="json").json()
    _drive(job["id"])
    snapshot = list(Record.objects.order_by("pk").values_list("ciphertext", "wrapped_dek", "vault_key_version", "dek_version"))
    assert rotation_step(job_id=job["id"]).finished
    assert list(Record.objects.order_by("pk").values_list("ciphertext", "wrapped_dek", "vault_key_version", "dek_version")) == snapshot


def test_a_record_edited_and_one_created_during_a_rotation_end_up_under_the_new_key(unlocked_alice):
    ids = _records(unlocked_alice, 2)
    job = unlocked_alice.client.post(URL, {"kind": "reencrypt"}, format="json").json()
    etag = unlocked_alice.client.get(f"/api/v1/records/{ids[0]}/")["ETag"]
    edited = unlocked_alice.client.patch(f"/api/v1/records/{ids[0]}/", {"label": "edited during rotation"}, format="json", HTTP_IF_MATCH=etag)
    assert edited.status_code == 200, edited.content
    created = _records(unlocked_alice, 1)[0]
    assert Record.objects.get(pk=created).vault_key_version == 2
    _drive(job["id"])
    assert _read(unlocked_alice, ids[0])["label"] == "edited during rotation"
    assert set(Record.objects.values_list("vault_key_version", flat=True)) == {2}


def test_a_record_written_with_a_key_set_loaded_before_the_start_lands_under_the_new_key(unlocked_alice):
    """A request that loaded the old key set just before the rotation began re-checks
    the versions under the vault lock at commit, and wraps under the newest."""
    _records(unlocked_alice, 1)
    old_keys = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    assert sorted(old_keys.vault_keys) == [1]
    job = unlocked_alice.client.post(URL, {"kind": "rewrap"}, format="json").json()
    from records.services import record_create

    late = record_create(owner=unlocked_alice.user, keys=old_keys, kind="note", label="late", data={"title": "t", "text": "x"})
    assert late.record.vault_key_version == 2
    _drive(job["id"])
    assert Record.objects.get(pk=late.record.pk).vault_key_version == 2
    assert _read(unlocked_alice, str(late.record.pk))["label"] == "late"


def test_a_damaged_record_fails_the_job_and_keeps_the_old_key(unlocked_alice):
    ids = _records(unlocked_alice, 2)
    Record.objects.filter(pk=ids[0]).update(ciphertext=b"\x01" + bytes(80))
    job = unlocked_alice.client.post(URL, {"kind": "reencrypt"}, format="json").json()
    _drive(job["id"])
    progress = unlocked_alice.client.get(f"{URL}{job['id']}/").json()
    assert progress["state"] == "failed" and progress["items"]["failed"] == 1
    assert progress["errors"][0]["item_id"] == ids[0]
    assert sorted(VaultKey.objects.values_list("version", flat=True)) == [1, 2]  # nothing destroyed
    assert _read(unlocked_alice, ids[1])["label"] == "note 1"
