"""A deterministic synthetic ledger at newsroom-archive scale, for benchmarks and soak tests.

Everything is derived from one random seed, so two runs with the same arguments build the same
ledger. Rows are written in bulk by `claims.services.bulk`, bypassing the per-row services, but the
rules still hold: every excerpt is a real span of its source (`text[start:end]`), every source's
SHA-256 is its text's, and every claim's status is computed by `claims.rules.status.compute_status`
from its evidence. History is deliberately not written for generated rows: they are fixtures,
not edits, and doubling every insert would only slow the generator; `verify_ledger` checks the
generated ledger like any other.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from claims.choices import Stance, VoiceKind
from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewState,
    Source,
    SourceItem,
    Speaker,
    sha256_of,
)
from claims.rules.anchoring import CONTEXT_LENGTH
from claims.rules.status import compute_status
from claims.services.bulk import generated_rows_insert
from claims.services.common import GENERATOR, system_account
from claims.services.voices import voice_roots_refresh
from ledger.cache import ledger_changed

BATCH = 2000
SENTENCE_END = re.compile(r"\. ")

# How often each review state occurs; published dominates, as in a working ledger.
REVIEW_STATES = [
    (ReviewState.PUBLISHED, 80),
    (ReviewState.DRAFT, 10),
    (ReviewState.IN_REVIEW, 5),
    (ReviewState.WITHDRAWN, 3),
    (ReviewState.REJECTED, 2),
]
WORDS = [
    "the",
    "ministry",
    "said",
    "officials",
    "court",
    "report",
    "investigation",
    "prison",
    "guards",
    "lawyer",
    "died",
    "custody",
    "sanctions",
    "committee",
    "parliament",
    "evidence",
    "witness",
    "document",
    "statement",
    "denied",
    "confirmed",
    "according",
    "to",
    "sources",
    "government",
    "case",
    "trial",
    "records",
    "medical",
    "care",
    "detention",
    "fraud",
    "million",
    "tax",
    "refund",
    "authorities",
    "accused",
    "released",
    "published",
    "interview",
    "spokesman",
    "agency",
    "judge",
    "appeal",
    "hearing",
    "testimony",
    "police",
    "colonel",
    "major",
    "prosecutor",
    "office",
    "embassy",
    "minister",
    "foreign",
    "council",
    "resolution",
    "vote",
    "list",
    "names",
    "banned",
    "assets",
    "frozen",
    "human",
    "rights",
    "campaign",
    "fund",
]


@dataclass
class Scale:
    sources: int = 2000
    text_size: int = 20_000
    excerpts: int = 200_000
    claims: int = 50_000
    evidence: int = 150_000
    disputes: int = 5_000
    publishers: int = 60
    speakers: int = 500

    def scaled(self, factor: float) -> Scale:
        def at_least(n: int, floor: int) -> int:
            return max(floor, round(n * factor))

        return Scale(
            sources=at_least(self.sources, 2),
            text_size=self.text_size,
            excerpts=at_least(self.excerpts, 10),
            claims=at_least(self.claims, 4),
            evidence=at_least(self.evidence, 6),
            disputes=at_least(self.disputes, 2),
            publishers=at_least(self.publishers, 3),
            speakers=at_least(self.speakers, 2),
        )


Progress = Callable[[str, int, int], None]


def stderr_progress(phase: str, done: int, total: int) -> None:
    """A one-line progress bar on standard error."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r{phase:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _text(rng: random.Random, size: int) -> str:
    parts, length = [], 0
    while length < size:
        paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(3, 7)))
        parts.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(parts)


def _voice(rng: random.Random, speakers: list[Speaker]) -> dict:
    """Three quotes in ten report a speaker's words; the rest are the publisher's own."""
    if rng.random() < 0.3:
        kind = rng.choice([VoiceKind.QUOTE, VoiceKind.PARAPHRASE, VoiceKind.DOCUMENT])
        return {"speaker": rng.choice(speakers), "voice": kind}
    return {"speaker": None, "voice": VoiceKind.OWN}


def _bulk(model, rows: list, phase: str, progress: Progress) -> list:
    return generated_rows_insert(
        model=model,
        rows=rows,
        by=system_account(GENERATOR),
        on_batch=lambda done, total: progress(phase, done, total),
    )


@transaction.atomic
def generate_ledger(
    *, scale: Scale, seed: int = 1, progress: Progress = stderr_progress
) -> dict[str, int]:
    """Build the synthetic ledger; return how many rows of each kind were written."""
    rng = random.Random(seed)
    now = timezone.now()
    tag = f"gen{seed}"

    # Publishers: some are outlets of a parent, so that independence matters.
    parents = _bulk(
        Publisher,
        [
            Publisher(name=f"Publisher {n}", slug=f"{tag}-publisher-{n}")
            for n in range(scale.publishers)
        ],
        "publishers",
        progress,
    )
    outlets = []
    for parent in parents[: len(parents) // 5]:
        outlet = Publisher(name=f"{parent.name} site", slug=f"{parent.slug}-site", part_of=parent)
        outlets.append(outlet)
    outlets = _bulk(Publisher, outlets, "outlets", progress) if outlets else []
    publishers = parents + outlets

    speaker_rows = [
        Speaker(
            name=f"Speaker {n}", slug=f"{tag}-speaker-{n}", kind=rng.choice(Speaker.Kind.values)
        )
        for n in range(scale.speakers)
    ]
    # A fifth of the speakers belong to an organisation among the first ten: independence by
    # affiliation matters too.
    heads = speaker_rows[: min(10, len(speaker_rows))]
    speakers = _bulk(Speaker, heads, "speakers", progress)
    members = speaker_rows[len(heads) :]
    for member in members[: len(members) // 5]:
        member.affiliation = rng.choice(speakers)
    speakers += _bulk(Speaker, members, "speakers", progress) if members else []
    voice_roots_refresh(by=system_account(GENERATOR), reason="generated voices")
    publisher_roots = dict(Publisher.objects.values_list("pk", "voice_root"))
    speaker_roots = dict(Speaker.objects.values_list("pk", "voice_root"))

    # Sources with ~text_size characters of sentences; a tenth bundle five dated items.
    first_day = date(2009, 11, 16)
    source_rows = []
    for n in range(scale.sources):
        text = _text(rng, scale.text_size)
        source_rows.append(
            Source(
                title=f"Report {n}",
                slug=f"{tag}-source-{n}",
                publisher=rng.choice(publishers),
                published_on=first_day + timedelta(days=rng.randint(0, 5000)),
                kind=rng.choice(Source.Kind.values),
                text=text,
                sha256=sha256_of(text),
            )
        )
    sources = _bulk(Source, source_rows, "sources", progress)

    item_rows = []
    for source in sources[::10]:
        step = len(source.text) // 5
        for k in range(5):
            item_rows.append(
                SourceItem(
                    source=source,
                    heading=f"Item {k}",
                    published_on=source.published_on + timedelta(days=k),
                    start=k * step,
                    end=(k + 1) * step if k < 4 else len(source.text),
                )
            )
    items = _bulk(SourceItem, item_rows, "items", progress) if item_rows else []
    items_by_source: dict[int, list[SourceItem]] = {}
    for item in items:
        items_by_source.setdefault(item.source_id, []).append(item)

    # Excerpts: real spans of ~150 characters, starting at sentence starts, distinct per source.
    excerpt_rows = []
    per_source = max(1, scale.excerpts // len(sources))
    for index, source in enumerate(sources):
        wanted = per_source if index < len(sources) - 1 else scale.excerpts - per_source * index
        text = source.text
        starts = [0] + [match.end() for match in SENTENCE_END.finditer(text)]
        chosen = sorted(rng.sample(starts, min(wanted, len(starts))))
        for start in chosen:
            end = min(len(text), start + rng.randint(110, 190))
            while end < len(text) and not text[end - 1].isalpha():
                end += 1
            item = next(
                (i for i in items_by_source.get(source.pk, []) if i.start <= start < i.end), None
            )
            if item is not None:
                end = min(end, item.end)
            excerpt_rows.append(
                Excerpt(
                    source=source,
                    item=item,
                    **_voice(rng, speakers),
                    start=start,
                    end=end,
                    text=text[start:end],
                    prefix=text[max(0, start - CONTEXT_LENGTH) : start],
                    suffix=text[end : end + CONTEXT_LENGTH],
                )
            )
    excerpts = _bulk(Excerpt, excerpt_rows, "excerpts", progress)
    voice_of_excerpt = {
        excerpt.pk: speaker_roots[excerpt.speaker_id]
        if excerpt.speaker_id
        else publisher_roots[excerpt.source.publisher_id]
        for excerpt in excerpts
    }

    disputes = _bulk(
        Dispute,
        [
            Dispute(
                question=f"Question {n}?",
                slug=f"{tag}-dispute-{n}",
                summary=_sentence(rng),
                review_state=ReviewState.PUBLISHED,
                published_at=now,
            )
            for n in range(scale.disputes)
        ],
        "disputes",
        progress,
    )

    # Claims and their evidence, drawn together so that each claim's status can be computed
    # by the status rule before the claim is written.
    states = [state for state, weight in REVIEW_STATES for _ in range(weight)]
    claim_rows, evidence_plan = [], []
    evidence_left = scale.evidence
    for n in range(scale.claims):
        claims_left = scale.claims - n
        if claims_left == 1:
            count = min(evidence_left, len(excerpts))
        else:
            count = min(evidence_left, rng.randint(0, 2 * evidence_left // claims_left))
        evidence_left -= count
        chosen = rng.sample(excerpts, count) if count else []
        stances = [Stance.SUPPORTS if rng.random() < 0.75 else Stance.CONTRADICTS for _ in chosen]
        voices = {Stance.SUPPORTS: set(), Stance.CONTRADICTS: set()}
        for excerpt, stance in zip(chosen, stances, strict=True):
            voices[stance].add(voice_of_excerpt[excerpt.pk])
        claimant = rng.choice(speakers) if rng.random() < 0.5 else None
        state = rng.choice(states)
        published = state in (ReviewState.PUBLISHED, ReviewState.WITHDRAWN)
        claim_rows.append(
            Claim(
                text=_sentence(rng),
                slug=f"{tag}-claim-{n}",
                dispute=rng.choice(disputes),
                speaker=claimant,
                status=compute_status(
                    supporting=voices[Stance.SUPPORTS],
                    contradicting=voices[Stance.CONTRADICTS],
                    claimant=speaker_roots[claimant.pk] if claimant else None,
                ),
                review_state=state,
                published_at=now - timedelta(minutes=n) if published else None,
            )
        )
        evidence_plan.append(list(zip(chosen, stances, strict=True)))
    claims = _bulk(Claim, claim_rows, "claims", progress)

    evidence_rows = [
        Evidence(claim=claim, excerpt=excerpt, stance=stance)
        for claim, plan in zip(claims, evidence_plan, strict=True)
        for excerpt, stance in plan
    ]
    evidence = _bulk(Evidence, evidence_rows, "evidence", progress)
    # Bulk inserts send no signals: tell the response cache the ledger changed.
    ledger_changed()
    return {
        "publishers": len(publishers),
        "speakers": len(speakers),
        "sources": len(sources),
        "items": len(items),
        "excerpts": len(excerpts),
        "disputes": len(disputes),
        "claims": len(claims),
        "evidence": len(evidence),
    }
