from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.dateparse import parse_date

from claims import services
from claims.models import Source

INGEST_ACCOUNT = "ingest-source"


class Command(BaseCommand):
    help = (
        "Ingest a plain-text document (UTF-8) as a source, its text stored exactly as in the file. "
        "Excerpts can then be cut from it in the admin or the API."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The plain-text file to ingest.")
        parser.add_argument("--title", required=True)
        parser.add_argument(
            "--publisher",
            required=True,
            help="The publisher's slug or name (created if no publisher has either).",
        )
        parser.add_argument("--kind", choices=Source.Kind.values, default=Source.Kind.NEWS_ARTICLE)
        parser.add_argument("--language", default="en")
        parser.add_argument("--author", default="")
        parser.add_argument("--url", default="")
        parser.add_argument("--published-on", help="YYYY-MM-DD")
        parser.add_argument("--slug", default="")

    def handle(self, *args, path, publisher, published_on, **options):
        file = Path(path)
        try:
            text = file.read_bytes().decode("utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text: {error}") from error
        date = None
        if published_on:
            date = parse_date(published_on)
            if date is None:
                raise CommandError(f"--published-on must be YYYY-MM-DD, not {published_on!r}.")
        # Ingestion from the command line is done in the name of a named, non-login account.
        by = services.system_account(INGEST_ACCOUNT)
        try:
            # One transaction: a refused source leaves no new publisher behind.
            with transaction.atomic():
                source = self.ingest(
                    by=by, text=text, publisher=publisher, date=date, file=file, **options
                )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Ingested source {source.pk} “{source.title}” ({source.slug}): "
                f"{len(text)} characters, SHA-256 {source.sha256}."
            )
        )

    def ingest(self, *, by, text, publisher, date, file, **options):
        return services.source_create(
            by=by,
            title=options["title"],
            text=text,
            publisher=services.publisher_for(name_or_slug=publisher, by=by),
            slug=options["slug"],
            kind=options["kind"],
            language=options["language"],
            author=options["author"],
            url=options["url"],
            published_on=date,
            original_filename=file.name,
        )
