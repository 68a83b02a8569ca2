import os
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.ops.backup import export_ledger
from ledger.demo_accounts import demo_accounts_with_published_passwords


class Command(BaseCommand):
    help = (
        "Write the whole ledger (records, history, accounts with their password hashes) to a "
        "checksummed JSON Lines dump that import_ledger restores. Keep it as secret as the "
        "database."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to write, or - for standard output.")

    def handle(self, *args, path, **options):
        if path == "-":
            summary = export_ledger(sys.stdout.buffer)
            sys.stdout.buffer.flush()
            report = self.stderr  # standard output carries the dump itself
        else:
            # Written beside the target and renamed when complete, so that an interrupted
            # export never leaves a half-written file under the dump's name; readable by its
            # owner only, since it holds the accounts' password hashes.
            target = Path(path)
            partial = target.with_name(f"{target.name}.partial")
            try:
                descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(descriptor, "wb") as stream:
                    summary = export_ledger(stream)
                os.replace(partial, target)
            except OSError as error:
                raise CommandError(f"Cannot write {path}: {error}") from error
            finally:
                partial.unlink(missing_ok=True)
            report = self.stdout
        # Plain text even on standard error, which Django would otherwise colour as an error.
        for line in summary.lines():
            report.write(line, style_func=str)
        report.write(f"{summary.records} records, SHA-256 {summary.sha256}", style_func=str)
        report.write(
            f"Signed with dump key {summary.signed_by}."
            if summary.signed_by
            else "Not signed: set LEDGER_DUMP_KEY to sign dumps.",
            style_func=str,
        )
        demo = demo_accounts_with_published_passwords(get_user_model())
        if demo:
            report.write(
                f"This dump carries demo accounts with published passwords ({', '.join(demo)}): "
                "outside development they cannot log in, and a restore there disables them.",
                style_func=str,
            )
