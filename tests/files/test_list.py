"""GET /api/v1/files/"""

from accounts.scopes import FILES_WRITE

from .conftest import FILES_URL, pdf, upload_raw


def _create(person, name: str, **headers) -> dict:
    response = upload_raw(person.client, pdf(1000), filename=name, **headers)
    assert response.status_code == 201, response.content
    return response.json()


def test_it_lists_the_owners_files_newest_first_with_names(unlocked_alice, unlocked_bob, fs_backend):
    first, second = _create(unlocked_alice, "first.pdf"), _create(unlocked_alice, "second.pdf")
    _create(unlocked_bob, "bobs.pdf")
    body = unlocked_alice.client.get(FILES_URL).json()
    assert body["count"] == 2
    assert [(item["id"], item["filename"]) for item in body["results"]] == [
        (second["id"], "second.pdf"), (first["id"], "first.pdf"),
    ]
    assert body["results"][0] == second


def test_while_locked_it_lists_metadata_without_names(unlocked_alice, fs_backend):
    created = _create(unlocked_alice, "first.pdf")
    unlocked_alice.client.post("/api/v1/vault/lock")
    response = unlocked_alice.client.get(FILES_URL)
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item == {**created, "filename": None}


def test_it_paginates(unlocked_alice, fs_backend):
    for n in range(3):
        _create(unlocked_alice, f"{n}.pdf")
    body = unlocked_alice.client.get(f"{FILES_URL}?limit=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_it_filters_by_record(unlocked_alice, fs_backend):
    record = unlocked_alice.client.post(
        "/api/v1/records/", {"kind": "note", "data": {"title": "t", "text": "x"}}, format="json"
    ).json()
    attached = _create(unlocked_alice, "attached.pdf", x_record=record["id"])
    _create(unlocked_alice, "loose.pdf")
    body = unlocked_alice.client.get(f"{FILES_URL}?record={record['id']}").json()
    assert [item["id"] for item in body["results"]] == [attached["id"]]
    assert unlocked_alice.client.get(f"{FILES_URL}?record=nope").status_code == 400


def test_a_token_without_files_read_answers_403(unlocked_alice, fs_backend):
    response = unlocked_alice.with_scopes(FILES_WRITE).get(FILES_URL)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
