"""The size limit (413) and the per-user quota (507): refused up front when the
request declares too much, and while streaming when the bytes turn out to be more."""

from files.models import File

from .conftest import FILES_URL, pdf, upload_raw


def _nothing_stored(backend) -> bool:
    return not File.objects.exists() and backend.leftovers() == []


def test_a_file_over_the_limit_answers_413(unlocked_alice, fs_backend, upload, settings):
    settings.COFFER_FILE_MAX_BYTES = 100_000
    response = upload(unlocked_alice.client, pdf(100_001))
    assert response.status_code == 413, response.content
    assert response.json() == {
        "code": "file_too_large", "detail": "A file may hold at most 100000 bytes.", "limit": 100_000,
    }
    assert _nothing_stored(fs_backend)


def test_a_file_at_the_limit_is_accepted(unlocked_alice, fs_backend, upload, settings):
    settings.COFFER_FILE_MAX_BYTES = 100_000
    assert upload(unlocked_alice.client, pdf(100_000)).status_code == 201


def test_a_body_longer_than_the_limit_is_refused_before_it_is_read(unlocked_alice, fs_backend, settings):
    settings.COFFER_FILE_MAX_BYTES = 1000
    never_read = _Unreadable()
    response = unlocked_alice.client.generic(
        "POST", FILES_URL, b"", content_type="application/pdf",
        HTTP_X_FILENAME="big.pdf", CONTENT_LENGTH="2000000000", **{"wsgi.input": never_read},
    )
    assert response.status_code == 413 and never_read.reads == 0
    response = unlocked_alice.client.generic(
        "POST", FILES_URL, b"", content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH="2000000000", **{"wsgi.input": never_read},
    )
    assert response.status_code == 413 and never_read.reads == 0


def test_a_body_longer_than_its_content_length_is_cut_there(unlocked_alice, fs_backend):
    data = pdf(5000)
    response = unlocked_alice.client.generic(
        "POST", FILES_URL, data + b"trailing", content_type="application/pdf",
        HTTP_X_FILENAME="scan.pdf", CONTENT_LENGTH=str(len(data)),
    )
    assert response.status_code == 201 and response.json()["size"] == 5000


def test_an_upload_beyond_the_quota_answers_507(unlocked_alice, fs_backend, upload, settings):
    settings.COFFER_USER_QUOTA_BYTES = 150_000
    assert upload(unlocked_alice.client, pdf(100_000)).status_code == 201
    response = upload(unlocked_alice.client, pdf(60_000))
    assert response.status_code == 507, response.content
    body = response.json()
    assert (body["code"], body["quota"], body["used"]) == ("quota_exceeded", 150_000, 100_000)
    assert "Delete some files first." in body["detail"]
    assert File.objects.count() == 1 and len(fs_backend.leftovers()) == 1


def test_a_full_quota_refuses_a_form_before_its_file_is_read(unlocked_alice, fs_backend, settings):
    settings.COFFER_USER_QUOTA_BYTES = 1000
    assert upload_raw(unlocked_alice.client, pdf(1000)).status_code == 201
    from .conftest import upload_form

    assert upload_form(unlocked_alice.client, pdf(10)).status_code == 507


def test_the_quota_counts_only_the_owners_files(unlocked_alice, unlocked_bob, fs_backend, upload, settings):
    settings.COFFER_USER_QUOTA_BYTES = 150_000
    assert upload(unlocked_bob.client, pdf(100_000)).status_code == 201
    assert upload(unlocked_alice.client, pdf(100_000)).status_code == 201


def test_deleting_a_file_frees_its_quota(unlocked_alice, fs_backend, settings):
    settings.COFFER_USER_QUOTA_BYTES = 150_000
    first = upload_raw(unlocked_alice.client, pdf(100_000)).json()
    assert upload_raw(unlocked_alice.client, pdf(100_000)).status_code == 507
    assert unlocked_alice.client.delete(f"{FILES_URL}{first['id']}/").status_code == 204
    assert upload_raw(unlocked_alice.client, pdf(100_000)).status_code == 201


class _Unreadable:
    """A request body that counts reads: a refusal up front must make none."""

    def __init__(self):
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        return b""

    def readline(self, *args):
        return self.read()
