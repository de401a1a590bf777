"""manage.py check_consistency: does every row find its object and its keys? Exits 1 if not."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from consistency.models import CheckRun
from consistency.report import CHECKS, MAX_IDS
from consistency.services import consistency_check, consistency_check_run


class Command(BaseCommand):
    help = (
        "Checks that every file's object exists with its size and header, that every record and file is "
        "wrapped under a vault key version that exists, that every server share opens with the keyring, "
        "and that every rotation job can resume. Prints counts and the ids of what is wrong (never "
        "plaintext or keys); exits 1 if anything is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--no-record", action="store_true",
                            help="Neither store the report nor append a consistency.check audit event.")
        parser.add_argument("--batch", type=int, default=settings.COFFER_CONSISTENCY_BATCH,
                            help="Rows read from the database at a time.")
        parser.add_argument("--workers", type=int, default=settings.COFFER_CONSISTENCY_WORKERS,
                            help="Object headers read at once.")
        parser.add_argument("--max-ids", type=int, default=MAX_IDS,
                            help="Ids printed per check at most (the total is always printed).")

    def handle(self, *args, **options):
        if options["batch"] < 1 or options["workers"] < 1 or options["max_ids"] < 0:
            raise CommandError("--batch and --workers must be at least 1, --max-ids at least 0.")
        if options["no_record"]:
            report = consistency_check(stream_batch=options["batch"], workers=options["workers"],
                                       max_ids=options["max_ids"])
        else:
            report, _ = consistency_check_run(trigger=CheckRun.Trigger.COMMAND, stream_batch=options["batch"],
                                              workers=options["workers"], max_ids=options["max_ids"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self._print(report, max_ids=options["max_ids"])
        if not report.clean:
            raise CommandError(f"consistency check: {report.wrong} problem(s) found")

    def _print(self, report, *, max_ids: int) -> None:
        width = max(map(len, CHECKS))
        for result in report.checks.values():
            style = self.style.SUCCESS if result.wrong == 0 else self.style.ERROR
            self.stdout.write(style(f"{result.name:<{width}}  checked {result.checked:>9}  wrong {result.wrong:>9}"))
            ids = sorted(result.ids)[:max_ids]
            if ids:
                self.stdout.write(f"  ids ({len(ids)} of {result.wrong}): {', '.join(ids)}")
        summary = "clean" if report.clean else f"{report.wrong} problem(s)"
        self.stdout.write(f"Consistency check: {summary}.")
