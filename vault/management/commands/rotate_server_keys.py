"""manage.py rotate_server_keys: re-wrap every server share under the current server key."""

from django.core.management.base import BaseCommand, CommandError

from vault.rotation_server import server_keys_rotate, server_keys_status


class Command(BaseCommand):
    help = (
        "Re-wraps every vault's server share under the newest COFFER_SERVER_KEYS version. "
        "With --check, only reports how many vaults are on each version (exit 1 if any is not current)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Report only; change nothing.")
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, **options):
        if not options["check"]:
            result = server_keys_rotate(batch_size=options["batch_size"])
            self.stdout.write(f"Re-wrapped {result.rewrapped} server share(s) under v{result.to_version}.")
            if result.failed_vault_ids:
                raise CommandError(
                    f"{len(result.failed_vault_ids)} vault(s) could not be opened with the keyring: "
                    f"{result.failed_vault_ids[:20]}"
                )
        status = server_keys_status()
        for version, count in sorted(status.vaults_by_version.items()):
            note = " (current)" if version == status.current_version else ""
            note = " (RETIRED: not in the keyring)" if version not in status.keyring_versions else note
            self.stdout.write(f"v{version}: {count} vault(s){note}")
        if options["check"] and status.pending:
            raise CommandError(
                f"{status.pending} vault(s) are not on the current server key v{status.current_version}."
            )
