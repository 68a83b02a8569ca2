"""Each person's desk settings: notification emails on or off, and when they last looked.

A person's own settings, not ledger content: no history and no version, and the acting user is
the person whose settings they are.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from claims.models import DeskPreferences
from claims.services.common import Actor


def _locked_preferences(user: Actor) -> DeskPreferences:
    preferences, _ = DeskPreferences.objects.select_for_update().get_or_create(user=user)
    return preferences


@transaction.atomic
def desk_preferences_update(*, user: Actor, notify_by_email: bool) -> DeskPreferences:
    """Turn `user`'s notification emails on or off."""
    preferences = _locked_preferences(user)
    preferences.notify_by_email = notify_by_email
    preferences.full_clean()
    preferences.save(update_fields=["notify_by_email"])
    return preferences


@transaction.atomic
def desk_seen(*, user: Actor) -> datetime | None:
    """Record that `user` looks at the desk now; return when they looked before (None the first
    time), which is what "changed since you last looked" counts from."""
    preferences = _locked_preferences(user)
    before = preferences.last_seen_desk_at
    preferences.last_seen_desk_at = timezone.now()
    preferences.save(update_fields=["last_seen_desk_at"])
    return before
