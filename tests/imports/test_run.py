"""Confirm and run an import: every record and file, or nothing."""

from __future__ import annotations

import io
import zipfile

from audit.models import AuditEvent
from files.models import File
from imports.models import ImportFile, ImportJob
from records.models import Record
from records.schemas import KINDS
from storage.factory import get_store
from vault.models import RotationJob
from imports.worker import import_step
from tests.imports.conftest import IMPORTS_URL, confirm, fixture_bytes, revealed_records, run, upload
from tests.records.samples import valid

PASSPORT_ITEM = "b1000000-0000-4000-8000-000000000004"
SCAN = b"%PDF-1.7\n" + b"a scanned passport " * 500


def _bitwarden_zip(*extra: tuple[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("data.json", fixture_bytes("bitwarden_export.json"))
        archive.writestr(f"attachments/{PASSPORT_ITEM}/scan.pdf", SCAN)
        for name, content in extra:
            archive.writestr(name, content)
    return out.getvalue()


def _started(person, content: bytes) -> str:
    job_id = upload(person, content, name="source.bin").json()["id"]
    response = confirm(person, job_id)
    assert response.status_code == 202, response.content
    assert response.json()["state"] == "running"
    return job_id


def test_it_imports_a_cxf_document_into_valid_records(unlocked_alice):
    run(_started(unlocked_alice, fixture_bytes("cxf_every_field.json")))
    job = ImportJob.objects.get()
    assert (job.state, job.records_created, job.files_created) == ("done", 5, 0)
    records = {r["label"]: r for r in revealed_records(unlocked_alice)}
    assert set(records) == {"Personalausweis", "Reisepass", "Führerschein", "Visa", "Wi-Fi"}
    assert records["Wi-Fi"]["data"] == KINDS["note"].validate(valid("note"))
    assert records["Personalausweis"]["data"] == KINDS["id_card"].validate(valid("id_card"))


def test_it_gives_every_imported_record_its_own_dek(unlocked_alice):
    run(_started(unlocked_alice, fixture_bytes("cxf_every_field.json")))
    wrapped = [bytes(r.wrapped_dek) for r in Record.objects.all()]
    assert len(set(wrapped)) == len(wrapped) == 5


def test_it_imports_a_bitwarden_zip_with_its_attachment(unlocked_alice):
    run(_started(unlocked_alice, _bitwarden_zip()))
    passport = Record.objects.get(pk=[r["id"] for r in revealed_records(unlocked_alice) if r["label"] == "Reisepass"][0])
    (scan,) = File.objects.filter(record=passport)
    body = unlocked_alice.client.get(f"/api/v1/files/{scan.pk}/content")
    assert b"".join(body.streaming_content) == SCAN
    assert unlocked_alice.client.get(f"/api/v1/files/{scan.pk}/").json()["filename"] == "scan.pdf"


def test_it_lists_an_attachment_of_an_unsupported_type_in_the_preview(unlocked_alice):
    body = upload(unlocked_alice, _bitwarden_zip((f"attachments/{PASSPORT_ITEM}/notes.txt", b"plain text"))).json()
    assert {"source": "attachments", "what": "file 'notes.txt'",
            "reason": "Coffer keeps PDF, JPEG, PNG, WebP, HEIC and TIFF documents only."} in body["preview"]["left"]
    assert body["files_planned"] == 1


def test_it_refuses_a_zip_with_a_path_outside_its_layout(unlocked_alice):
    response = upload(unlocked_alice, _bitwarden_zip(("../../etc/evil", b"x")))
    assert response.status_code == 400 and response.json()["code"] == "bitwarden_zip_layout"


def test_it_refuses_a_zip_bomb_among_the_attachments(unlocked_alice):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", fixture_bytes("bitwarden_export.json"))
        archive.writestr(f"attachments/{PASSPORT_ITEM}/scan.pdf", b"%PDF-1.7\n" + b"\0" * (4 * 1024 * 1024))
    response = upload(unlocked_alice, out.getvalue())
    assert response.status_code == 400 and response.json()["code"] == "bitwarden_zip_invalid"
    assert ImportJob.objects.count() == 0


def test_it_audits_start_and_finish(unlocked_alice):
    job_id = _started(unlocked_alice, fixture_bytes("cxf_every_field.json"))
    run(job_id)
    actions = list(AuditEvent.objects.filter(target_id=job_id).values_list("action", "outcome"))
    assert ("import.start", "success") in actions and ("import.finish", "success") in actions
    created = AuditEvent.objects.filter(action="record.create", target_id__in=[str(pk) for pk in
                                                                             Record.objects.values_list("pk", flat=True)])
    assert created.count() == 5


def test_it_ends_with_its_source_and_key_material_gone(unlocked_alice, django_capture_on_commit_callbacks):
    job_id = _started(unlocked_alice, _bitwarden_zip())
    source_key = ImportJob.objects.get(pk=job_id).source_blob_key
    with django_capture_on_commit_callbacks(execute=True):
        run(job_id)
    job = ImportJob.objects.get(pk=job_id)
    assert bytes(job.sealed_material) == b"" and bytes(job.sealed_preview) == b"" and job.source_blob_key == ""
    assert not get_store().exists(source_key)
    assert ImportFile.objects.count() == 0


def test_it_cannot_be_confirmed_twice(unlocked_alice):
    job_id = _started(unlocked_alice, fixture_bytes("cxf_every_field.json"))
    response = confirm(unlocked_alice, job_id)
    assert response.status_code == 409 and response.json()["code"] == "import_not_in_preview"


def test_a_cancelled_import_deletes_its_source(unlocked_alice, django_capture_on_commit_callbacks):
    job_id = upload(unlocked_alice, fixture_bytes("cxf_every_field.json")).json()["id"]
    source_key = ImportJob.objects.get(pk=job_id).source_blob_key
    with django_capture_on_commit_callbacks(execute=True):
        assert unlocked_alice.client.post(f"{IMPORTS_URL}{job_id}/cancel").status_code == 204
    assert ImportJob.objects.get(pk=job_id).state == "cancelled"
    assert not get_store().exists(source_key)
    assert confirm(unlocked_alice, job_id).status_code == 409


def test_a_failure_at_commit_leaves_the_vault_as_it_was(unlocked_alice, django_capture_on_commit_callbacks):
    """A rotation row that slipped in (it cannot through the API: see test_rotation_exclusion)
    is found under the vault lock at commit: the import fails whole, its staged blob goes."""
    job_id = _started(unlocked_alice, _bitwarden_zip())
    source_key = ImportJob.objects.get(pk=job_id).source_blob_key
    before = {blob.key for blob in get_store().list_blobs()}
    RotationJob.objects.create(vault=unlocked_alice.user.vault, kind="rewrap", target_version=2)
    with django_capture_on_commit_callbacks(execute=True):
        run(job_id)
    job = ImportJob.objects.get(pk=job_id)
    assert job.state == "failed" and job.error_code == "rotation_running"
    assert Record.objects.count() == 0 and File.objects.count() == 0 and ImportFile.objects.count() == 0
    assert {blob.key for blob in get_store().list_blobs()} == before - {source_key}


def test_an_import_whose_material_no_longer_opens_is_refused_not_a_server_error(unlocked_alice):
    job_id = upload(unlocked_alice, fixture_bytes("cxf_every_field.json")).json()["id"]
    ImportJob.objects.filter(pk=job_id).update(sealed_material_server_version=99)  # a retired server key
    detail = unlocked_alice.client.get(f"{IMPORTS_URL}{job_id}/")
    assert detail.status_code == 200 and detail.json()["preview"] is None
    response = confirm(unlocked_alice, job_id)
    assert response.status_code == 409 and response.json()["code"] == "import_unreadable"
    assert Record.objects.count() == 0


def test_no_name_from_the_source_is_kept_in_the_clear_while_it_runs(unlocked_alice, monkeypatch):
    job_id = _started(unlocked_alice, _bitwarden_zip())
    monkeypatch.setattr("imports.worker._commit", lambda *args: None)  # stop with the files staged
    import_step(job_id=job_id, budget_seconds=30)
    assert ImportFile.objects.filter(state="staged").count() == 1
    job = ImportJob.objects.get(pk=job_id)
    rows = [*ImportFile.objects.values_list("ref_digest", "content_type"), (job.error_code, job.error_detail)]
    assert "scan.pdf" not in repr(rows) and PASSPORT_ITEM not in repr(rows)


def test_a_preview_nobody_confirms_is_dropped_with_its_source_after_a_day(unlocked_alice, settings,
                                                                          django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from imports.worker import import_redrive

    old = upload(unlocked_alice, fixture_bytes("cxf_every_field.json")).json()["id"]
    fresh = upload(unlocked_alice, fixture_bytes("cxf_every_field.json")).json()["id"]
    ImportJob.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(seconds=settings.COFFER_IMPORT_PREVIEW_SECONDS + 1))
    source_key = ImportJob.objects.get(pk=old).source_blob_key
    with django_capture_on_commit_callbacks(execute=True):
        import_redrive()
    assert ImportJob.objects.get(pk=old).state == "cancelled" and not get_store().exists(source_key)
    assert bytes(ImportJob.objects.get(pk=old).sealed_material) == b""
    assert ImportJob.objects.get(pk=fresh).state == "preview"


def test_imported_passports_and_id_cards_get_their_expiry_reminders(unlocked_alice):
    from reminders.models import Reminder
    from reminders.services import reminder_setting_update

    reminder_setting_update(user=unlocked_alice.user, enabled=True)
    run(_started(unlocked_alice, fixture_bytes("cxf_every_field.json")))
    rows = Reminder.objects.filter(owner=unlocked_alice.user)
    assert rows.count() == 6 and len({bytes(r.tag) for r in rows}) == 2  # 3 dates each, one tag per record
    # The rows are the record's own: saving it replaces them instead of adding more.
    passport = next(r for r in revealed_records(unlocked_alice) if r["kind"] == "passport")
    response = unlocked_alice.client.patch(f"/api/v1/records/{passport['id']}/", {"label": "Passport"},
                                           format="json", HTTP_IF_MATCH=passport["etag"])
    assert response.status_code == 200, response.content
    assert Reminder.objects.filter(owner=unlocked_alice.user).count() == 6
