"""DELETE /api/v1/files/{id}/"""

from accounts.scopes import FILES_READ
from files.models import File

from .conftest import content_url, events, file_url, stored


def test_it_deletes_the_row_then_the_object(unlocked_alice, alice_file, fs_backend, django_capture_on_commit_callbacks):
    key = stored(alice_file["id"]).blob_key
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = unlocked_alice.client.delete(file_url(alice_file["id"]))
        assert fs_backend.store.exists(key)  # the object outlives the row until the commit
    assert response.status_code == 204 and len(callbacks) == 1
    assert not File.objects.exists() and fs_backend.leftovers() == []
    assert unlocked_alice.client.get(content_url(alice_file["id"])).status_code == 404


def test_it_audits_the_deletion(unlocked_alice, alice_file):
    unlocked_alice.client.delete(file_url(alice_file["id"]))
    [event] = events("file.delete")
    assert (event.target_id, event.details) == (alice_file["id"], {"content_type": "application/pdf", "size": 150000})


def test_another_users_file_answers_404_and_survives(unlocked_bob, alice_file):
    assert unlocked_bob.client.delete(file_url(alice_file["id"])).status_code == 404
    assert File.objects.filter(pk=alice_file["id"]).exists() and events("file.delete") == []


def test_a_locked_vault_answers_423(unlocked_alice, alice_file):
    unlocked_alice.client.post("/api/v1/vault/lock")
    assert unlocked_alice.client.delete(file_url(alice_file["id"])).status_code == 423
    assert File.objects.filter(pk=alice_file["id"]).exists()


def test_a_token_without_files_write_answers_403(unlocked_alice, alice_file):
    response = unlocked_alice.with_scopes(FILES_READ).delete(file_url(alice_file["id"]))
    assert response.status_code == 403 and File.objects.filter(pk=alice_file["id"]).exists()


def test_deleting_its_record_detaches_the_file(unlocked_alice, fs_backend):
    from .conftest import pdf, upload_raw

    record = unlocked_alice.client.post(
        "/api/v1/records/", {"kind": "note", "data": {"title": "t", "text": "x"}}, format="json"
    ).json()
    file = upload_raw(unlocked_alice.client, pdf(100), x_record=record["id"]).json()
    assert unlocked_alice.client.delete(f"/api/v1/records/{record['id']}/").status_code == 204
    assert unlocked_alice.client.get(file_url(file["id"])).json()["record"] is None
