"""The claim as API clients receive it, built straight from database rows.

This is the one place the claim's JSON shape is made, for lists and single claims alike: two
queries (the claims, then all their evidence with excerpt, source, publisher, item and speaker
joined in), plain dicts, no model instances. Hot lists spend their time here, so it avoids the
per-field machinery of nested ModelSerializers. `ClaimSerializer` describes the same shape for
the OpenAPI schema; a test holds the two to the same output, and schemathesis holds the
responses to the schema.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.urls import reverse

from claims.choices import ReviewAction, ReviewState, Stance, VoiceKind
from claims.models import Evidence, ReviewEvent
from claims.querysets import EVIDENCE_ORDER, sees_unpublished
from claims.rules import status as status_rule

CLAIM_COLUMNS = (
    "id",
    "slug",
    "text",
    "status",
    "review_state",
    "dispute__slug",
    "speaker__slug",
    "speaker__name",
    "speaker__voice_root",
    "version",
    "created_at",
    "updated_at",
    "published_at",
)
EVIDENCE_COLUMNS = (
    "id",
    "claim_id",
    "stance",
    "note",
    "excerpt_id",
    "excerpt__text",
    "excerpt__start",
    "excerpt__end",
    "excerpt__source_id",
    "excerpt__source__slug",
    "excerpt__source__title",
    "excerpt__source__published_on",
    "excerpt__source__publisher__slug",
    "excerpt__source__publisher__name",
    "excerpt__item__heading",
    "excerpt__item__published_on",
    "excerpt__speaker__slug",
    "excerpt__voice",
    "excerpt__speaker__name",
    "excerpt__speaker__voice_root",
    "excerpt__speaker__voice_root_name",
    "excerpt__source__publisher__voice_root",
    "excerpt__source__publisher__voice_root_name",
    "excerpt__via__slug",
    "excerpt__via__name",
)


def _datetime(value) -> str | None:
    """As DRF writes datetimes: ISO 8601, UTC as Z."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


class UrlPattern:
    """An absolute URL for a named route, reversed once and filled in by string replacement."""

    def __init__(self, request, name: str, **placeholders):
        path = reverse(name, kwargs=placeholders)
        self.template = request.build_absolute_uri(path) if request is not None else path
        self.placeholders = placeholders

    def __call__(self, **values) -> str:
        url = self.template
        for key, placeholder in self.placeholders.items():
            url = url.replace(placeholder, str(values[key]), 1)
        return url


def evidence_by_claim(
    claim_ids: Iterable[int], request
) -> tuple[dict[int, list[dict]], dict[int, dict[str, list[status_rule.Voice]]]]:
    """Every piece of evidence of these claims, shaped, and each claim's voices for and
    against, in one query."""
    source_url = UrlPattern(request, "claims:source", slug="__source__")
    grouped: dict[int, list[dict]] = defaultdict(list)
    voices: dict[int, dict[str, list[status_rule.Voice]]] = defaultdict(
        lambda: {Stance.SUPPORTS: [], Stance.CONTRADICTS: []}
    )
    rows = (
        Evidence.objects.filter(claim_id__in=list(claim_ids))
        .order_by(*EVIDENCE_ORDER)
        .values_list(*EVIDENCE_COLUMNS)
    )
    for (
        evidence_id,
        claim_id,
        stance,
        note,
        excerpt_id,
        text,
        start,
        end,
        source_id,
        source_slug,
        source_title,
        source_date,
        publisher_slug,
        publisher_name,
        item_heading,
        item_date,
        speaker_slug,
        voice_kind,
        speaker_name,
        speaker_root,
        speaker_root_name,
        publisher_root,
        publisher_root_name,
        via_slug,
        via_name,
    ) in rows:
        dated = item_date if item_date is not None else source_date
        own = voice_kind == VoiceKind.OWN
        voice = status_rule.Voice(
            root=publisher_root if own else speaker_root,
            root_name=publisher_root_name if own else speaker_root_name,
            publisher=publisher_name,
            kind=voice_kind,
            speaker=speaker_name or "",
            via=via_name or "",
        )
        voices[claim_id][stance].append(voice)
        grouped[claim_id].append(
            {
                "id": evidence_id,
                "stance": stance,
                "note": note,
                "excerpt": {
                    "id": excerpt_id,
                    "text": text,
                    "start": start,
                    "end": end,
                    "source": source_id,
                    "source_title": source_title,
                    "publisher": publisher_slug,
                    "publisher_name": publisher_name,
                    "date": _date(dated),
                    "item": item_heading,
                    "voice": voice_kind,
                    "speaker": speaker_slug,
                    "via": via_slug,
                    "voice_described": voice.describe(),
                    "url": f"{source_url(slug=source_slug)}#excerpt-{excerpt_id}",
                },
            }
        )
    return grouped, voices


def _reason(row: dict, voices: dict[str, list[status_rule.Voice]]) -> dict:
    return status_rule.assess(
        supporting=voices[Stance.SUPPORTS],
        contradicting=voices[Stance.CONTRADICTS],
        claimant=row["speaker__voice_root"],
        claimant_name=row["speaker__name"] or "",
    ).as_data()


def withdrawals(claim_ids: Iterable[int]) -> dict[int, dict]:
    """When and why each of these claims was withdrawn (its latest withdrawal), in one query."""
    found = {}
    events = (
        ReviewEvent.objects.filter(claim_id__in=list(claim_ids), action=ReviewAction.WITHDRAW)
        .order_by("at", "pk")
        .values_list("claim_id", "at", "comment")
    )
    for claim_id, at, comment in events:
        found[claim_id] = {"at": _datetime(at), "reason": comment}
    return found


def tombstone(claim: dict) -> dict:
    """What the public gets of a withdrawn claim: that it was withdrawn, when and why, and no
    longer what it said or the quotes behind it."""
    return claim | {
        "text": "",
        "status_reason": None,
        "dispute": None,
        "speaker": None,
        "evidence": [],
    }


def claims_as_json(rows: list[dict], request) -> list[dict]:
    """Claims (rows of `CLAIM_COLUMNS`) with their nested evidence, as the API returns them.

    A withdrawn claim carries `withdrawal` (when and why); to anyone but the desk it is only
    that tombstone.
    """
    claim_url = UrlPattern(request, "claims:claim", slug="__claim__")
    evidence, voices = evidence_by_claim((row["id"] for row in rows), request)
    withdrawn = withdrawals(
        row["id"] for row in rows if row["review_state"] == ReviewState.WITHDRAWN
    )
    desk = sees_unpublished(getattr(request, "user", None))
    shaped = [
        {
            "id": row["id"],
            "slug": row["slug"],
            "text": row["text"],
            "status": row["status"],
            "status_reason": _reason(row, voices[row["id"]]),
            "review_state": row["review_state"],
            "dispute": row["dispute__slug"],
            "speaker": row["speaker__slug"],
            "url": claim_url(slug=row["slug"]),
            "version": row["version"],
            "created_at": _datetime(row["created_at"]),
            "updated_at": _datetime(row["updated_at"]),
            "published_at": _datetime(row["published_at"]),
            "withdrawal": withdrawn.get(row["id"]),
            "evidence": evidence.get(row["id"], []),
        }
        for row in rows
    ]
    return [claim if desk or claim["withdrawal"] is None else tombstone(claim) for claim in shaped]
