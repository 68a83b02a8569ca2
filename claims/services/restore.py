"""Restoring a dump: rows written back exactly as they were exported.

A restore is not an edit: it recreates the ledger as it was, history and authors included, so it
writes no history of its own and names no acting user. Rows are inserted "raw", as `manage.py
loaddata` saves them: no `save()` (Source.save() recomputes the SHA-256 and refuses text
changes; the stored hash must come back as it was, and `verify_ledger`'s checks then hold it to
the text), no `auto_now` stamping (every recorded timestamp must survive), and no signals
(simple-history would write a new history row for every restored row). Django has no public
bulk form of a raw insert, so this uses `QuerySet._insert`, which bulk_create and save() both
use underneath. `claims.ops.backup` reads and checks the dump and calls this in one transaction.
"""

from __future__ import annotations

from django.db import models


def restored_rows_insert(
    *, model: type[models.Model], rows: list[models.Model], fields, batch_size: int
) -> None:
    """Insert these rows, in batches, with their primary keys and every field as given."""
    for start in range(0, len(rows), batch_size):
        model._base_manager._insert(rows[start : start + batch_size], fields=fields, raw=True)


def memberships_restore(*, memberships: list, grants: list) -> None:
    """Give restored accounts back their groups and permissions."""
    if memberships:
        type(memberships[0]).objects.bulk_create(memberships)
    if grants:
        type(grants[0]).objects.bulk_create(grants)
