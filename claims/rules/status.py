"""The status rule: written once, explained once, over voices alone (no database here).

Every piece of evidence has a *voice*, whose assertion the quoted words are: the publisher's own
(its reporting, its finding) or a speaker's, whose words the publisher reports. Voices that share
a root (`claims.rules.independence`) are one voice. From the voices for and against a claim:

- **contradiction**: at least one voice supports it and at least one contradicts it;
- **agreement**: at least two independent voices support it, other than the claimant's own, and
  none contradicts it;
- **unverified**: anything else.

`compute_status` is the rule. `ClaimQuerySet.with_computed_status()` is its SQL twin for reading
many claims at once; tests hold the two together. `assess` gives the rule's answer with its
reason, in the words readers see (the claim page, the contradiction page, the API, ClaimReview).
`STATUS_MEANINGS` and `PRINCIPLES` state the rule in plain words for `/methodology/`, the status
badges and the README.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass

AGREEMENT = "agreement"
CONTRADICTION = "contradiction"
UNVERIFIED = "unverified"

SUPPORTS = "supports"
CONTRADICTS = "contradicts"

# Whose assertion quoted words are, and how the publisher carries them.
OWN = "own"
QUOTE = "quote"
PARAPHRASE = "paraphrase"
DOCUMENT = "document"
VOICE_KINDS = {
    OWN: "Publisher's own reporting",
    QUOTE: "Direct quote",
    PARAPHRASE: "Paraphrase",
    DOCUMENT: "Document title or description",
}

# Supported by this many independent voices other than the claimant's, and contradicted by
# none, a claim is in agreement.
INDEPENDENT_VOICES_FOR_AGREEMENT = 2

STATUS_LABELS = {AGREEMENT: "Agreement", CONTRADICTION: "Contradiction", UNVERIFIED: "Unverified"}

STATUS_MEANINGS = {
    AGREEMENT: (
        "At least two independent voices support the claim, besides whoever makes it, and none "
        "contradicts it."
    ),
    CONTRADICTION: (
        "The sources disagree: at least one voice supports the claim and at least one "
        "contradicts it. This is not a verdict that the claim is false."
    ),
    UNVERIFIED: (
        "Neither agreement nor contradiction: fewer than two independent voices support the "
        "claim and none contradicts it, or it is contradicted and nothing supports it. This is "
        "not a verdict either way."
    ),
}

PRINCIPLES = (
    (
        "Reported words count for the voice that said them, never for the outlet that reports "
        "them: a newspaper quoting an ambassador is the ambassador's voice, not the newspaper's."
    ),
    (
        "Voices that share a root count once: a person and the organisation they belong to, or "
        "an outlet and the organisation it is part of, are one voice."
    ),
    (
        "The claimant's own voice does not corroborate the claimant's claim: their statements "
        "show that they make it, not that it is true. It still counts as support when testing "
        "for a contradiction, since it shows the claim is made."
    ),
    (
        "Contradiction means that the sources disagree: support and contradiction are both "
        "present. It is not a verdict that the claim is false."
    ),
    (
        f"Agreement needs {INDEPENDENT_VOICES_FOR_AGREEMENT} independent voices in support, "
        "besides the claimant's own, and none against."
    ),
)


def compute_status(
    *,
    supporting: Collection[Hashable],
    contradicting: Collection[Hashable],
    claimant: Hashable | None = None,
) -> str:
    """The status of a claim supported and contradicted by voices with these roots.

    `claimant` is the root of whoever makes the claim (None if no one in particular).
    """
    if supporting and contradicting:
        return CONTRADICTION
    if len(set(supporting) - {claimant}) >= INDEPENDENT_VOICES_FOR_AGREEMENT:
        return AGREEMENT
    return UNVERIFIED


@dataclass(frozen=True)
class Voice:
    """One piece of evidence's voice, as readers should know it."""

    root: Hashable
    root_name: str
    publisher: str
    kind: str = OWN
    speaker: str = ""
    via: str = ""

    @property
    def name(self) -> str:
        return self.publisher if self.kind == OWN else self.speaker

    @property
    def how(self) -> str:
        """How the words reach the reader: "own reporting", "quoted by The Moscow Times"."""
        if self.kind == OWN:
            return "own reporting"
        through = f", citing {self.via}" if self.via else ""
        return {
            QUOTE: f"quoted by {self.publisher}{through}",
            PARAPHRASE: f"as reported by {self.publisher}{through}",
            DOCUMENT: f"a document's title or description, as published by {self.publisher}"
            f"{through}",
        }[self.kind]

    def describe(self) -> str:
        """ "The Moscow Times — own reporting"; "Vladimir Putin — as reported by …"."""
        return f"{self.name} — {self.how}"


@dataclass(frozen=True)
class VoiceGroup:
    """Voices with one root: they count once."""

    root: Hashable
    root_name: str
    voices: tuple[Voice, ...]
    claimant: bool

    def describe(self) -> str:
        parts = "; ".join(dict.fromkeys(voice.describe() for voice in self.voices))
        names = {voice.name for voice in self.voices}
        if len(self.voices) > 1 or names != {self.root_name}:
            parts = f"{parts} (one voice: {self.root_name})"
        if self.claimant:
            parts = f"{parts} [the claimant's own voice]"
        return parts


@dataclass(frozen=True)
class Reason:
    """A status with what it rests on: the voices for and against, grouped by root."""

    status: str
    supporting: tuple[VoiceGroup, ...]
    contradicting: tuple[VoiceGroup, ...]
    claimant: str

    @property
    def corroborating(self) -> int:
        """Independent voices in support that count towards agreement."""
        return sum(1 for group in self.supporting if not group.claimant)

    @property
    def claimant_supports(self) -> bool:
        """The claimant's own voice is among the support (it shows the claim is made)."""
        return any(group.claimant for group in self.supporting)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def meaning(self) -> str:
        return STATUS_MEANINGS[self.status]

    def as_data(self) -> dict:
        """The reason as plain data: the API's `status_reason`, in one shape everywhere."""

        def groups(found):
            return [
                {
                    "independent_voice": group.root_name,
                    "claimant": group.claimant,
                    "voices": [
                        {
                            "name": voice.name,
                            "kind": voice.kind,
                            "publisher": voice.publisher,
                            "via": voice.via,
                            "described": voice.describe(),
                        }
                        for voice in group.voices
                    ],
                    "described": group.describe(),
                }
                for group in found
            ]

        return {
            "status": self.status,
            "meaning": self.meaning,
            "summary": self.summary(),
            "supporting": groups(self.supporting),
            "contradicting": groups(self.contradicting),
            "corroborating": self.corroborating,
        }

    def summary(self) -> str:
        """One paragraph: the status, and why, naming the voices."""

        def listed(groups):
            return "; ".join(group.describe() for group in groups)

        if self.status == CONTRADICTION:
            return (
                f"Contradiction: the sources disagree. For: {listed(self.supporting)}. "
                f"Against: {listed(self.contradicting)}."
            )
        if self.status == AGREEMENT:
            return (
                f"Agreement: {self.corroborating} independent voices support it and none "
                f"contradicts it: {listed(self.supporting)}."
            )
        if self.contradicting:
            return (
                f"Unverified: {len(self.contradicting)} voice(s) contradict it and none supports "
                f"it: {listed(self.contradicting)}."
            )
        if not self.supporting:
            return "Unverified: no evidence for or against it yet."
        own = (
            f" The claimant's own statements ({self.claimant}) show that the claim is made, not "
            "that it is true."
            if self.claimant_supports
            else ""
        )
        besides = " besides the claimant" if self.claimant else ""
        return (
            f"Unverified: {self.corroborating} independent voice(s) support it{besides}, and "
            f"agreement needs {INDEPENDENT_VOICES_FOR_AGREEMENT}: {listed(self.supporting)}.{own}"
        )


def group_voices(voices: Iterable[Voice], claimant: Hashable | None) -> tuple[VoiceGroup, ...]:
    grouped: dict[Hashable, list[Voice]] = {}
    for voice in voices:
        grouped.setdefault(voice.root, []).append(voice)
    return tuple(
        VoiceGroup(
            root=root,
            root_name=members[0].root_name,
            voices=tuple(members),
            claimant=claimant is not None and root == claimant,
        )
        for root, members in grouped.items()
    )


def assess(
    *,
    supporting: Iterable[Voice],
    contradicting: Iterable[Voice],
    claimant: Hashable | None = None,
    claimant_name: str = "",
) -> Reason:
    """The status of a claim with these voices for and against it, and the reason for it."""
    groups_for = group_voices(supporting, claimant)
    groups_against = group_voices(contradicting, claimant)
    status = compute_status(
        supporting=[group.root for group in groups_for],
        contradicting=[group.root for group in groups_against],
        claimant=claimant,
    )
    return Reason(
        status=status,
        supporting=groups_for,
        contradicting=groups_against,
        claimant=claimant_name,
    )
