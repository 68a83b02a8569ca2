"""Small builders for test data. Each goes through the service layer, as the product does."""

from __future__ import annotations

import itertools

from claims import services
from claims.models import Claim, Dispute, Publisher, ReviewState, Source, Speaker

_numbers = itertools.count(1)

SAMPLE_TEXT = (
    "Magnitsky died after a savage beating by prison guards in a Moscow detention center "
    "in November 2009. Officials said he died of heart failure. The 37-year-old accountant "
    "was found dead, his body bearing bruises."
)


def author():
    """The account test data is written as, unless a test names someone."""
    return services.system_account(services.LEDGER_FILE_AUTHOR)


def publisher(
    name: str | None = None,
    *,
    part_of: Publisher | None = None,
    organisation: Speaker | None = None,
) -> Publisher:
    number = next(_numbers)
    return services.publisher_create(
        name=name or f"Publisher {number}",
        slug=f"publisher-{number}",
        part_of=part_of,
        organisation=organisation,
        by=author(),
    )


def speaker(name: str | None = None, *, affiliation: Speaker | None = None) -> Speaker:
    number = next(_numbers)
    return services.speaker_create(
        name=name or f"Speaker {number}",
        slug=f"speaker-{number}",
        affiliation=affiliation,
        by=author(),
    )


def source(text: str = SAMPLE_TEXT, *, publisher_: Publisher | None = None, **fields) -> Source:
    number = next(_numbers)
    return services.source_create(
        title=fields.pop("title", f"Source {number}"),
        text=text,
        publisher=publisher_ or publisher(),
        slug=fields.pop("slug", f"source-{number}"),
        by=fields.pop("by", None) or author(),
        **fields,
    )


def dispute(question: str = "How did he die?", **fields) -> Dispute:
    """A question, as a draft; it is published with its first published claim."""
    number = next(_numbers)
    return services.dispute_create(
        question=question, slug=f"dispute-{number}", by=fields.pop("by", None) or author(), **fields
    )


def claim(text: str = "He died of heart failure.", **fields) -> Claim:
    """A claim, written by the test-data account. Unless `review_state` says otherwise it is meant
    to be published: it is, through the workflow, as soon as `evidence()` gives it a quote."""
    number = next(_numbers)
    wanted = fields.pop("review_state", ReviewState.PUBLISHED)
    by = fields.pop("by", None) or author()
    made = services.claim_create(text=text, slug=f"claim-{number}", by=by, **fields)
    made._publish_with_evidence = wanted == ReviewState.PUBLISHED
    return made


def reviewer_account():
    """A second account that publishes and approves test data (the four-eyes rule)."""
    return services.system_account(services.LEDGER_FILE_REVIEWER)


def draft_by(by, text: str = "He was beaten by guards.") -> Claim:
    """A draft written by `by` (an editor), with one quote behind it, ready to submit."""
    made = services.claim_create(text=text, by=by)
    excerpt = services.excerpt_create(
        source=source(), quote="savage beating by prison guards", by=by
    )
    services.evidence_add(
        claim=made, excerpt=excerpt, stance="supports", by=by, expected_version=made.version
    )
    made.refresh_from_db()
    return made


def step(claim_: Claim, action: str, by, comment: str = "") -> Claim:
    """Take a review step on `claim_` at its current version, as `by`; return it refreshed."""
    claim_.refresh_from_db()
    services.claim_transition(
        claim=claim_, action=action, by=by, expected_version=claim_.version, comment=comment
    )
    claim_.refresh_from_db()
    return claim_


def publish(claim_: Claim) -> Claim:
    """Submit and publish a draft through the workflow."""
    claim_.refresh_from_db()
    services.claim_transition(
        claim=claim_, action="submit", by=author(), expected_version=claim_.version
    )
    claim_.refresh_from_db()
    services.claim_transition(
        claim=claim_, action="publish", by=reviewer_account(), expected_version=claim_.version
    )
    claim_.refresh_from_db()
    return claim_


def evidence(
    claim_: Claim,
    source_: Source,
    quote: str,
    stance: str = "supports",
    *,
    by=None,
    speaker_: Speaker | None = None,
    voice: str | None = None,
):
    """Tie a quote to a claim: to a draft directly (publishing it if it is meant to be public),
    to a published claim as a change another account approves, as the product requires. The
    quote is the publisher's own words unless a speaker (and the voice) is given."""
    by = by or author()
    excerpt = services.excerpt_create(
        source=source_, quote=quote, by=by, speaker=speaker_, voice=voice
    )
    claim_.refresh_from_db()
    if claim_.review_state == ReviewState.PUBLISHED:
        change = services.change_propose(
            target=claim_,
            changes={"add_evidence": {"excerpt": excerpt, "stance": stance}},
            reason="Test data: another quote.",
            by=by,
        )
        services.change_approve(change=change, by=reviewer_account())
    else:
        services.evidence_add(
            claim=claim_, excerpt=excerpt, stance=stance, by=by, expected_version=claim_.version
        )
        if getattr(claim_, "_publish_with_evidence", False):
            publish(claim_)
    claim_.refresh_from_db()
    return claim_.evidence.get(excerpt=excerpt)


def user(username: str, *groups: str, **fields):
    """A staff user in the given groups ("Editors", "Reviewers")."""
    from django.contrib.auth.models import User

    account = User.objects.create_user(username, password="pw", is_staff=True, **fields)
    for name in groups:
        account.groups.add(role(name))
    return account


def role(name: str):
    """The Editors or Reviewers group, as the data migration made it.

    A transactional test flushes the database afterwards and serialized rollback restores the
    migration's rows, but after some test orders pytest-django no longer has them to restore
    (seen after tests/test_backup.py and a browser test); make the roles again then.
    """
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Group

    if not Group.objects.filter(name=name).exists():
        import_module("claims.migrations.0003_editorial_roles").create_roles(apps, None)
        import_module("claims.migrations.0008_change_request_roles").grant(apps, None)
    return Group.objects.get(name=name)


def permissions_restored() -> None:
    """The permissions, and the roles made of them, as the migrations made them.

    The same pytest-django gap as in `role()`: after a transactional test the permission rows
    may be gone, and then a system account (the loader's) is granted nothing.
    """
    role("Editors")
    role("Reviewers")
