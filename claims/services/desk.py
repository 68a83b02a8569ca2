"""Each person's desk settings: notification emails on or off, and when they last looked.

A person's own settings, not ledger content: no history and no version, and the acting user is
the person whose settings they are.
"""

from __future__ import annotations

from datetime import datetime, timedelta

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


# Looks at the front page less than this apart are one sitting.
SITTING = timedelta(minutes=30)


@transaction.atomic
def desk_seen(*, user: Actor) -> datetime | None:
    """Record that `user` looks at the desk now; return what "changed since you last looked"
    counts from: their last look before this sitting began (None the first time). Reloading
    the front page, or coming back to it from a claim, within `SITTING` of the last look keeps
    the same list; a look after a longer pause starts a new sitting from the last look."""
    preferences = _locked_preferences(user)
    now = timezone.now()
    last = preferences.last_seen_desk_at
    first_look = last is None
    if first_look or now - last > SITTING:
        # The very first sitting counts from its own start: there is nothing before it.
        preferences.changes_since = now if first_look else last
    preferences.last_seen_desk_at = now
    preferences.save(update_fields=["last_seen_desk_at", "changes_since"])
    return None if first_look else preferences.changes_since
