"""Browsers upload with their session cookie: a form, CSRF-checked. The check reads
the form, so the encrypting handler must already be in place when it does."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from files.models import File
from tests.conftest import PASSWORD

from .conftest import FILES_URL, MiB, body_of, content_url, pdf

CSRF_SECRET = get_random_string(32)


@pytest.fixture
def browser(alice, fs_backend) -> APIClient:
    alice.setup_vault()
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


def _unlock(browser) -> None:
    response = browser.post("/api/v1/vault/unlock", {"pin": "482915"}, format="json", HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert response.status_code == 200, response.content


def _form(**fields) -> dict:
    return {"file": SimpleUploadedFile("scan.pdf", pdf(3 * MiB), content_type="application/pdf"), **fields}


def test_a_form_with_the_csrf_header_is_stored_encrypted(browser):
    _unlock(browser)
    response = browser.post(FILES_URL, _form(), format="multipart", HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert response.status_code == 201, response.content
    assert len(body_of(browser.get(content_url(response.json()["id"])))) == 3 * MiB


def test_a_form_with_the_csrf_field_is_stored(browser):
    _unlock(browser)
    response = browser.post(FILES_URL, {"csrfmiddlewaretoken": CSRF_SECRET, **_form()}, format="multipart")
    assert response.status_code == 201, response.content


def test_a_form_without_a_csrf_token_answers_403_and_keeps_nothing(browser, fs_backend):
    _unlock(browser)
    response = browser.post(FILES_URL, _form(), format="multipart")
    assert response.status_code == 403
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_a_locked_vault_answers_423_and_keeps_nothing(browser, fs_backend):
    response = browser.post(FILES_URL, _form(), format="multipart", HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert response.status_code == 423 and response.json()["code"] == "vault_locked"
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_a_raw_body_with_the_csrf_header_is_stored(browser):
    _unlock(browser)
    response = browser.generic(
        "POST", FILES_URL, pdf(200_000), content_type="application/pdf",
        HTTP_X_FILENAME="scan.pdf", HTTP_X_CSRFTOKEN=CSRF_SECRET,
    )
    assert response.status_code == 201, response.content
    assert response.json()["size"] == 200_000
