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


def publisher(name: str | None = None, *, part_of: Publisher | None = None) -> Publisher:
    number = next(_numbers)
    return Publisher.objects.create(
        name=name or f"Publisher {number}", slug=f"publisher-{number}", part_of=part_of
    )


def speaker(name: str | None = None) -> Speaker:
    number = next(_numbers)
    return Speaker.objects.create(name=name or f"Speaker {number}", slug=f"speaker-{number}")


def source(text: str = SAMPLE_TEXT, *, publisher_: Publisher | None = None, **fields) -> Source:
    number = next(_numbers)
    return services.source_create(
        title=fields.pop("title", f"Source {number}"),
        text=text,
        publisher=publisher_ or publisher(),
        slug=fields.pop("slug", f"source-{number}"),
        **fields,
    )


def dispute(question: str = "How did he die?", **fields) -> Dispute:
    number = next(_numbers)
    fields.setdefault("review_state", ReviewState.PUBLISHED)
    return Dispute.objects.create(question=question, slug=f"dispute-{number}", **fields)


def claim(text: str = "He died of heart failure.", **fields) -> Claim:
    number = next(_numbers)
    fields.setdefault("review_state", ReviewState.PUBLISHED)
    return services.claim_create(text=text, slug=f"claim-{number}", **fields)


def evidence(claim_: Claim, source_: Source, quote: str, stance: str = "supports"):
    excerpt = services.excerpt_create(source=source_, quote=quote)
    return services.evidence_add(claim=claim_, excerpt=excerpt, stance=stance)


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
    return Group.objects.get(name=name)
