"""An export of a vault of every kind with files, built in-process, downloaded through
the API and opened with Debian's age binary: the layout, every value, every file."""

from __future__ import annotations

import json

import jsonschema
import pytest

from exports.models import ExportItem, ExportJob
from exports.services import export_build

from .conftest import EXPORTS_URL, check_export_matches, download, fill_vault, open_export, start_export


@pytest.fixture
def exported(unlocked_alice, tmp_path):
    filled = fill_vault(unlocked_alice)
    job_id = start_export(unlocked_alice)
    assert export_build(job_id=job_id).finished
    names, root = open_export(download(unlocked_alice, job_id, tmp_path / "x.age"), tmp_path)
    return filled, job_id, names, root


def test_it_holds_every_record_and_file_as_the_vault_has_them(exported, unlocked_alice):
    filled, _, _, root = exported
    check_export_matches(root, filled, "alice")


def test_its_members_come_in_the_agreed_order(exported):
    _, _, names, _ = exported
    assert names[:4] == ["coffer-export/README.txt", "coffer-export/records.json",
                         "coffer-export/records.schema.json", "coffer-export/cxf.json"]
    assert all(name.startswith("coffer-export/files/") for name in names[4:])
    assert len(names) == 4 + 7


def test_records_json_validates_against_its_schema(exported):
    _, _, _, root = exported
    schema = json.loads((root / "records.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    document = json.loads((root / "records.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    document["records"][0]["fields"] = {"nonsense": 1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(document)


def test_file_names_are_made_safe_and_unique(exported):
    _, _, _, root = exported
    document = json.loads((root / "records.json").read_text())
    paths = [f["path"] for r in document["records"] for f in r["files"]] + [f["path"] for f in document["files"]]
    assert len({path.casefold() for path in paths}) == len(paths)
    assert "files/My bank_card/front.pdf" in paths
    assert "files/My bank_card/Front (2).PDF" in paths
    assert "files/My passport/front.pdf" in paths
    assert "files/My id_card/passwd" in paths  # the upload kept the last part only
    assert "files/_Secret_/x_y_.pdf" in paths
    assert "files/Unattached/tabhere.pdf" in paths
    long_name = next(p for p in paths if p.startswith("files/Unattached/é"))
    assert len(long_name.rsplit("/", 1)[1].encode()) <= 200 and long_name.endswith(".pdf")


def test_the_cxf_document_lists_every_record_and_file(exported):
    filled, _, _, root = exported
    cxf = json.loads((root / "cxf.json").read_text())
    assert cxf["version"] == {"major": 1, "minor": 0}
    titles = [item["title"] for item in cxf["accounts"][0]["items"]]
    assert len(titles) == len(filled.records) + 2  # the two unattached files are items of their own


def test_the_readme_explains_how_to_open_it(exported):
    _, _, _, root = exported
    text = (root / "README.txt").read_text()
    assert "age -d" in text and "records.json" in text and "alice" in text


def test_a_finished_job_keeps_no_key_material_and_no_digests(exported):
    _, job_id, _, _ = exported
    job = ExportJob.objects.get(pk=job_id)
    assert (job.state, bytes(job.sealed_material)) == ("done", b"")
    assert (job.items_done, job.bytes_done) == (job.items_total, job.bytes_total)
    assert not ExportItem.objects.filter(job=job).exists()


def test_the_progress_url_reports_the_download(exported, unlocked_alice):
    _, job_id, _, _ = exported
    body = unlocked_alice.client.get(f"{EXPORTS_URL}{job_id}/").json()
    assert body["state"] == "done" and body["progress"] == 1.0
    assert body["download_url"].endswith(f"/api/v1/exports/{job_id}/download")
    assert body["filename"].startswith("coffer-export-alice-") and body["filename"].endswith(".age")


def test_a_scans_role_on_its_record_is_in_records_json(unlocked_alice, tmp_path):
    from tests.files.test_scan_roles import add_record as add_passport
    from tests.files.test_scan_roles import put_scan
    from tests.web.documents_helpers import pdf_bytes

    record_id = add_passport(unlocked_alice.client)
    front = put_scan(unlocked_alice.client, record_id, "front", pdf_bytes(20_000), filename="front.pdf")
    assert front.status_code == 201, front.content
    loose = unlocked_alice.client.post("/api/v1/files/", pdf_bytes(10_000), content_type="application/pdf",
                                       HTTP_X_FILENAME="letter.pdf")
    assert loose.status_code == 201, loose.content
    job_id = start_export(unlocked_alice)
    assert export_build(job_id=job_id).finished
    _, root = open_export(download(unlocked_alice, job_id, tmp_path / "x.age"), tmp_path)
    document = json.loads((root / "records.json").read_text("utf-8"))
    [record] = document["records"]
    assert [(f["name"], f["role"]) for f in record["files"]] == [("front.pdf", "front")]
    assert [(f["name"], f["role"]) for f in document["files"]] == [("letter.pdf", None)]
    jsonschema.validate(document, json.loads((root / "records.schema.json").read_text("utf-8")))
