"""Synthetic fixtures at archive scale, inserted in bulk: the one write that skips per-row services.

`generate_ledger` builds benchmark and soak ledgers of hundreds of thousands of rows; going
through the per-row services would take hours. The rows it hands here already obey the rules
(real spans, hashed texts, statuses computed by the status rule), `verify_ledger` checks them
like any other ledger, and every claim names the generator's system account as its author.
Nothing but the generator calls this.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import models

from claims.models import Claim
from claims.services.common import Actor

BATCH = 2_000


def generated_rows_insert(
    *,
    model: type[models.Model],
    rows: list,
    by: Actor,
    on_batch: Callable[[int, int], None] = lambda done, total: None,
) -> list:
    """Insert generated rows in batches; claims are written in the name of `by`."""
    if model is Claim:
        for row in rows:
            row.created_by = row.last_edited_by = by
    created = []
    for start in range(0, len(rows), BATCH):
        created += model.objects.bulk_create(rows[start : start + BATCH])
        on_batch(min(start + BATCH, len(rows)), len(rows))
    return created
