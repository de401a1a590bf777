from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from vault.rotation.gc import gc_blobs


class Command(BaseCommand):
    help = ("Delete blobs no row refers to (older than the grace period, and unreferenced for the "
            "retention), and abort dangling multipart uploads.")

    def add_arguments(self, parser):
        parser.add_argument("--grace-seconds", type=int, default=settings.COFFER_GC_GRACE_SECONDS)
        parser.add_argument("--retention-seconds", type=int, default=settings.COFFER_BLOB_RETENTION,
                            help="keep an unreferenced object this long after GC first found it (0: delete now)")

    def handle(self, *args, grace_seconds: int, retention_seconds: int, **options):
        result = gc_blobs(grace=timedelta(seconds=grace_seconds), retain=timedelta(seconds=retention_seconds))
        self.stdout.write(
            f"scanned {result.scanned} old objects, deleted {result.deleted} orphans, "
            f"kept {result.retained} within the retention, aborted {result.aborted_uploads} dangling uploads"
        )
