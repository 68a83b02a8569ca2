"""Emails about review steps, sent once the step is committed.

A claim's editors (who wrote it, who last edited it) hear when it is sent back, rejected,
published or withdrawn; reviewers hear when a claim waits for review, except its editors, whom
the four-eyes rule keeps from publishing it. Nobody hears of their own step, nor once they have
turned notifications off (`DeskPreferences`); accounts without an address are skipped. A mail
server that fails is logged, and the step stands: it was committed before anything was sent.
"""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils.text import Truncator

from claims.choices import ReviewAction
from claims.models import ReviewEvent

logger = logging.getLogger("claims.notifications")

TO_EDITORS = frozenset(
    {ReviewAction.REQUEST_CHANGES, ReviewAction.REJECT, ReviewAction.PUBLISH, ReviewAction.WITHDRAW}
)
TO_REVIEWERS = frozenset({ReviewAction.SUBMIT})
# Users holding a permission through their groups are found by Django's own model backend (the
# other backends configured only refuse or count logins).
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"

SUBJECT = "[{ledger}] {headline}: “{claim}”"
HEADLINE_FOR_REVIEWERS = "Waiting for review"
BODY_FOR_EDITORS = "Your claim “{claim}” was {done} by {actor}."
BODY_FOR_REVIEWERS = (
    "“{claim}” was submitted for review by {actor}. It waits for a reviewer who did not write "
    "or edit it, to publish it, send it back or reject it."
)
COMMENT = "{actor}'s comment:\n\n{comment}"
LINKS = (
    "Open it on the desk: {claim_url}\n\n"
    "You get this email because {why}. To turn these emails off: {preferences_url}"
)
WHY_EDITOR = "you wrote or last edited this claim"
WHY_REVIEWER = "you review claims"


def review_step_notify(*, event: ReviewEvent) -> None:
    """Email whom the step concerns, once the transaction that took it commits (never for a
    step that was rolled back)."""
    if event.action in TO_EDITORS | TO_REVIEWERS:
        transaction.on_commit(partial(_send, event.pk))


def recipients(event: ReviewEvent):
    """The accounts to email about a review step."""
    User = get_user_model()
    claim = event.claim
    if event.action in TO_EDITORS:
        people = User.objects.filter(pk__in=claim.editor_ids)
    else:
        # Imported here: the workflow, which calls this module, says who may publish.
        from claims.services.workflow import TRANSITIONS

        permission = TRANSITIONS[ReviewAction.PUBLISH].permission
        people = User.objects.with_perm(permission, backend=PERMISSION_BACKEND).exclude(
            pk__in=claim.editor_ids
        )
    return (
        people.filter(is_active=True)
        .exclude(email="")
        .exclude(pk=event.actor_id)
        .exclude(desk_preferences__notify_by_email=False)
        .order_by("pk")
    )


def _send(event_id: int) -> None:
    event = ReviewEvent.objects.select_related("claim").get(pk=event_id)
    try:
        messages = [_message(event, person) for person in recipients(event)]
        if messages:
            get_connection().send_messages(messages)
    except Exception:  # a mail server down, an address refused: the step is committed and stands
        logger.exception(
            "Could not send the emails about a review step (%s of claim %s)",
            event.action,
            event.claim_id,
        )


def _message(event: ReviewEvent, person) -> EmailMessage:
    from claims.services.workflow import TRANSITIONS

    # A subject is one line (Django refuses a line break in it): the claim's breaks become spaces.
    claim = Truncator(" ".join(event.claim.text.split())).chars(80)
    to_editor = event.action in TO_EDITORS
    done = TRANSITIONS[event.action].done
    subject = SUBJECT.format(
        ledger=settings.LEDGER_NAME,
        headline=done.capitalize() if to_editor else HEADLINE_FOR_REVIEWERS,
        claim=claim,
    )
    body = [
        (BODY_FOR_EDITORS if to_editor else BODY_FOR_REVIEWERS).format(
            claim=event.claim.text, done=done, actor=event.actor_name
        )
    ]
    if event.comment:
        body.append(COMMENT.format(actor=event.actor_name, comment=event.comment))
    body.append(
        LINKS.format(
            claim_url=_address(reverse("admin:claims_claim_change", args=[event.claim_id])),
            why=WHY_EDITOR if to_editor else WHY_REVIEWER,
            preferences_url=_address(reverse("admin:desk_notifications")),
        )
    )
    return EmailMessage(subject=subject, body="\n\n".join(body) + "\n", to=[person.email])


def _address(path: str) -> str:
    return f"{settings.LEDGER_SITE_URL}{path}"
