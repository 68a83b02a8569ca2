from django.core.management.base import BaseCommand, CommandError

from claims.ops.integrity import find_problems


class Command(BaseCommand):
    help = (
        "Re-check every excerpt against its source's text and every source against its "
        "SHA-256, and every claim's status against its evidence. Exits non-zero, naming each "
        "problem, if anything is off."
    )

    def handle(self, *args, **options):
        problems = 0
        for problem in find_problems():
            problems += 1
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{problems} problem(s) found.")
        self.stdout.write(self.style.SUCCESS("Every excerpt, source and status checks out."))
