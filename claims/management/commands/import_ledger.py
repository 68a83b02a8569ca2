import sys

from django.core.management.base import BaseCommand, CommandError

from claims.ops.backup import BackupError, import_ledger


class Command(BaseCommand):
    help = (
        "Restore a dump written by export_ledger into an empty, migrated database. Every "
        "checksum is verified and the restored ledger re-checked; on any error nothing is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The dump to read, or - for standard input.")

    def handle(self, *args, path, **options):
        try:
            if path == "-":
                summary = import_ledger(sys.stdin.buffer)
            else:
                with open(path, "rb") as stream:
                    summary = import_ledger(stream)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except BackupError as error:
            raise CommandError(f"{error}\nNothing was imported.") from error
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"{summary.records} records restored, SHA-256 {summary.sha256}.")
        )
