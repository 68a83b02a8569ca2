"""Accounts, where their removal touches the ledger."""

from __future__ import annotations

from django.db import transaction

from claims.services.common import Actor


@transaction.atomic
def account_delete(*, account, by: Actor) -> None:
    """Delete an account. Ledger records keep what they say about it: review events keep the
    name, and claims, history and change requests lose only the link to the account."""
    account._history_user = by
    account.delete()
