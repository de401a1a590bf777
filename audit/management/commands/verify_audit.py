"""manage.py verify_audit: walk the whole chain and name the first altered or missing event."""

import json

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import ChainBroken, audit_public_keys, checkpoint_create
from audit.hashing import canonical_timestamp
from audit.verification import audit_verify, audit_verify_recorded


class Command(BaseCommand):
    help = (
        "Walks the audit chain from the first event and reports the first altered or missing event, "
        "or confirms the chain is intact up to the last signed checkpoint. Exits 1 if it is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--public-keys", action="store_true",
                            help="Print the checkpoint verify keys (hex Ed25519), to pin outside Coffer, and exit.")
        parser.add_argument("--checkpoint", action="store_true",
                            help="If the chain is intact, also sign a checkpoint at its head.")
        parser.add_argument("--no-record", action="store_true",
                            help="Do not append an audit.verify event with the result.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, **options):
        if options["public_keys"]:
            for version, public_key in sorted(audit_public_keys().items()):
                self.stdout.write(f"v{version} ed25519 {public_key.hex()}")
            return
        report = audit_verify() if options["no_record"] else audit_verify_recorded()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self._print(report)
        if not report.ok:
            raise CommandError(f"audit chain broken: {report.problem.message}")
        if options["checkpoint"]:
            try:
                checkpoint = checkpoint_create()
            except ChainBroken as exc:  # something changed between the two walks
                raise CommandError(str(exc)) from None
            if checkpoint is not None:
                self.stdout.write(f"Checkpoint #{checkpoint.pk} signed at event {checkpoint.last_event_id}.")

    def _print(self, report) -> None:
        style = self.style.SUCCESS if report.ok else self.style.ERROR
        self.stdout.write(style(f"Audit chain: {report.summary()}"))
        if report.checkpoint is not None:
            checkpoint = report.checkpoint
            self.stdout.write(
                f"Last signed checkpoint: #{checkpoint.pk} at event {checkpoint.last_event_id},"
                f" {canonical_timestamp(checkpoint.created_at)}, key v{checkpoint.key_version}, hash"
                f" {checkpoint.last_hash}: signature valid."
            )
        if report.checkpoints_on_retired_keys:
            ids = ", ".join(f"#{pk}" for pk in report.checkpoints_on_retired_keys)
            self.stdout.write(f"Checkpoints signed by retired keys (hash checked, signature not): {ids}.")
