import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.ops.backup import BackupError, import_ledger
from ledger.demo_accounts import demo_accounts_disabled


class Command(BaseCommand):
    help = (
        "Restore a dump written by export_ledger into an empty, migrated database. Every "
        "checksum is verified and the restored ledger re-checked; on any error nothing is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The dump to read, or - for standard input.")
        parser.add_argument(
            "--accept-unsigned",
            action="store_true",
            help="Import an unsigned dump on a server that has a dump key (LEDGER_DUMP_KEY).",
        )

    def handle(self, *args, path, accept_unsigned, **options):
        try:
            if path == "-":
                summary = import_ledger(sys.stdin.buffer, accept_unsigned=accept_unsigned)
            else:
                with open(path, "rb") as stream:
                    summary = import_ledger(stream, accept_unsigned=accept_unsigned)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except BackupError as error:
            raise CommandError(f"{error}\nNothing was imported.") from error
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            f"Signed with dump key {summary.signed_by}."
            if summary.signed_by
            else "Unsigned: this dump is as trustworthy as whoever handed it over."
        )
        if not settings.DEBUG:
            disabled = demo_accounts_disabled(get_user_model())
            if disabled:
                self.stdout.write(
                    self.style.WARNING(
                        f"Demo accounts with published passwords were restored and can no "
                        f"longer log in: {', '.join(disabled)}. Set a password to use them."
                    )
                )
        self.stdout.write(
            self.style.SUCCESS(f"{summary.records} records restored, SHA-256 {summary.sha256}.")
        )
