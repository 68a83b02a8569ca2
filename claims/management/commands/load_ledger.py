from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.ops.loader import LedgerFileError, load_ledger


class Command(BaseCommand):
    help = (
        "Load a curated ledger file (YAML): sources, speakers, disputes, claims and quoted "
        "evidence. Every quote is anchored in its source; loading the same file again changes "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            default=str(Path(settings.LEDGER_SEEDS_DIR) / "ledger.yaml"),
            help="The ledger file (default: seeds/ledger.yaml).",
        )
        parser.add_argument(
            "--seeds-dir",
            help="Where the source documents are (default: the ledger file's folder).",
        )

    def handle(self, *args, path, seeds_dir, **options):
        try:
            report = load_ledger(Path(path), seeds_dir=Path(seeds_dir) if seeds_dir else None)
        except (LedgerFileError, OSError) as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
        verdict = "Ledger loaded." if report.changed() else "Ledger already up to date."
        self.stdout.write(self.style.SUCCESS(verdict))
