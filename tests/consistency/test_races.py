"""The check lists the store first and reads rows after: what commits in between (an
upload, a delete, a whole re-encryption that moves every file to a new object) is
looked at again, never reported as missing. The check is held right after its listing."""

from consistency.services import consistency_check
from files.models import File
from tests.races.support import Held, fill, rotate, wait_until_done


def test_uploads_deletes_and_a_reencryption_after_the_listing_are_not_reported(
    celery_worker_process, alice, bob, settings, tmp_path
):
    settings.COFFER_STORAGE, settings.COFFER_BLOB_ROOT = "fs", tmp_path / "blobs"
    vaulted, other = fill(alice, records=2, files=3), fill(bob, records=1, files=2)
    client = vaulted.unlock()
    gone = next(iter(vaulted.files))
    celery_worker_process.start()
    before = set(File.objects.values_list("blob_key", flat=True))
    with Held("consistency.listed", run=lambda: consistency_check(stream_batch=2, workers=2)) as held:
        new_file = vaulted.add_file(client, 50)
        assert client.delete(f"/api/v1/files/{gone}/").status_code == 204
        wait_until_done(rotate(other.unlock(), "reencrypt"), celery_worker_process)
        assert not before & set(File.objects.filter(owner=bob.user).values_list("blob_key", flat=True))
        report = held.release()
    assert report.clean, {name: r.ids for name, r in report.checks.items() if r.wrong}
    assert report["file_object_header"].checked == File.objects.count() == 5
    assert File.objects.filter(pk=new_file).exists()
