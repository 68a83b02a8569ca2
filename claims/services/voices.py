"""Independence, kept current: each speaker's and publisher's root voice, stored for the rule.

A speaker's parent is its affiliation; a publisher's is the publisher it is part of, else the
organisation it speaks for (`claims.rules.independence` walks the forest). The root and its name
are stored on every row, so that the status rule's SQL twin and the reader's explanation read
them in a join. Any change to an affiliation, a "part of", an organisation or a root's name
recomputes them all (the tables are small: hundreds of rows, not millions) and then the status
of every claim whose voices moved.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q

from claims.models import Claim, Publisher, Speaker
from claims.rules import independence
from claims.services.common import Actor
from claims.services.statuses import claim_statuses_refresh

MESSAGE_LOOP = "This affiliation would go round in a circle: {loop}. Nothing was changed."

# Any key will do, as long as nothing else takes a transaction-level advisory lock with it.
VOICES_LOCK = 0x766F69636573  # "voices"


def lock_voices() -> None:
    """Serialise changes to the affiliation forest until the transaction ends.

    Two concurrent edits could each pass the loop check (A→B here, B→A there) or store roots
    read from a graph the other is changing. On PostgreSQL a transaction-level advisory lock
    makes them queue (it is re-entrant within one transaction); SQLite allows one writer at a
    time anyway. Taken before any row lock, so that it cannot deadlock with them.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [VOICES_LOCK])


def _graph() -> tuple[dict[str, str | None], dict[str, str]]:
    """Every voice's parent, and every voice's name."""
    parents: dict[str, str | None] = {}
    names: dict[str, str] = {}
    for pk, name, affiliation in Speaker.objects.values_list("pk", "name", "affiliation_id"):
        key = independence.speaker_key(pk)
        parents[key] = independence.speaker_key(affiliation) if affiliation else None
        names[key] = name
    for pk, name, part_of, organisation in Publisher.objects.values_list(
        "pk", "name", "part_of_id", "organisation_id"
    ):
        key = independence.publisher_key(pk)
        if part_of:
            parents[key] = independence.publisher_key(part_of)
        elif organisation:
            parents[key] = independence.speaker_key(organisation)
        else:
            parents[key] = None
        names[key] = name
    return parents, names


def refuse_affiliation_loop(*, speaker: Speaker, affiliation: Speaker | None) -> None:
    """Refuse an affiliation that would make `speaker` belong, in the end, to itself."""
    lock_voices()
    parents, names = _graph()
    loop = independence.loop_if(
        parents,
        independence.speaker_key(speaker.pk),
        independence.speaker_key(affiliation.pk) if affiliation else None,
    )
    if loop:
        named = " → ".join(names.get(key, key) for key in loop)
        raise ValidationError({"affiliation": MESSAGE_LOOP.format(loop=named)})


def expected_roots() -> dict[str, tuple[str, str]]:
    """Each voice's root and the root's name, computed afresh from the stored affiliations."""
    parents, names = _graph()
    return {key: (root, names.get(root, root)) for key, root in independence.roots(parents).items()}


def voice_roots_refresh(*, by: Actor, reason: str) -> int:
    """Store every voice's root; recompute the status of every claim whose voices moved.

    Returns how many claim statuses changed. Runs in the caller's transaction.
    """
    lock_voices()
    roots = expected_roots()
    moved_speakers, moved_publishers = [], []
    for model, key_of, moved in (
        (Speaker, independence.speaker_key, moved_speakers),
        (Publisher, independence.publisher_key, moved_publishers),
    ):
        stale = []
        for row in model.objects.only("pk", "voice_root", "voice_root_name"):
            root, name = roots[key_of(row.pk)]
            if (row.voice_root, row.voice_root_name) != (root, name):
                row.voice_root, row.voice_root_name = root, name
                stale.append(row)
                moved.append(row.pk)
        # Roots are derived data, like a claim's status: no history row of their own (the
        # affiliation change that moved them has one).
        model.objects.bulk_update(stale, ["voice_root", "voice_root_name"], batch_size=500)
    if not (moved_speakers or moved_publishers):
        return 0
    touched = (
        Q(speaker__in=moved_speakers)
        | Q(evidence__excerpt__speaker__in=moved_speakers)
        | Q(evidence__excerpt__source__publisher__in=moved_publishers)
    )
    claim_ids = Claim.objects.filter(touched).values_list("pk", flat=True).distinct()
    return claim_statuses_refresh(claim_ids=list(claim_ids), by=by, reason=reason)


def members_of(*, speaker: Speaker | None = None, publisher: Publisher | None = None):
    """The ids of the speakers and publishers whose voice passes through this one (itself
    included): the voices an affiliation change here would move."""
    parents, _ = _graph()
    children: dict[str, list[str]] = {}
    for key, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(key)
    start = (
        independence.speaker_key(speaker.pk)
        if speaker
        else independence.publisher_key(publisher.pk)
    )
    found, waiting = {start}, [start]
    while waiting:
        for child in children.get(waiting.pop(), []):
            if child not in found:
                found.add(child)
                waiting.append(child)
    speakers = {int(key.split(":")[1]) for key in found if key.startswith("speaker:")}
    publishers = {int(key.split(":")[1]) for key in found if key.startswith("publisher:")}
    return speakers, publishers
