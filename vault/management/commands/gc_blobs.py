from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from vault.rotation.gc import gc_blobs


class Command(BaseCommand):
    help = "Delete unreferenced blobs and abort dangling multipart uploads older than the grace period."

    def add_arguments(self, parser):
        parser.add_argument("--grace-seconds", type=int, default=settings.COFFER_GC_GRACE_SECONDS)

    def handle(self, *args, grace_seconds: int, **options):
        result = gc_blobs(grace=timedelta(seconds=grace_seconds))
        self.stdout.write(
            f"scanned {result.scanned} old objects, deleted {result.deleted} orphans, "
            f"aborted {result.aborted_uploads} dangling uploads"
        )
