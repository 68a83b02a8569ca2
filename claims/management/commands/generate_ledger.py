import time

from django.core.management.base import BaseCommand
from django.db import connection

from claims.ops.generation import Scale, generate_ledger


class Command(BaseCommand):
    help = (
        "Build a deterministic synthetic ledger for benchmarks: by default 2,000 sources of "
        "~20 KB, 200,000 excerpts, 50,000 claims and 150,000 pieces of evidence. "
        "--scale 0.01 builds a hundredth of that."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply every count.")
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same ledger.")
        parser.add_argument("--text-size", type=int, default=20_000, help="Characters a source.")

    def handle(self, *args, scale, seed, text_size, **options):
        size = Scale(text_size=text_size).scaled(scale)
        started = time.perf_counter()
        counts = generate_ledger(scale=size, seed=seed)
        # Planner statistics for the new rows: without them PostgreSQL picks poor plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Generated {summary} in {elapsed:.1f} s."))
