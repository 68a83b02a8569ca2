"""The status rule: agreement, contradiction or unverified, from the voices of the evidence."""

from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.choices import ClaimStatus, ReviewState, VoiceKind
from claims.models import Claim
from claims.rules.status import PRINCIPLES, Voice, assess, compute_status
from tests import factories

AGREEMENT, CONTRADICTION, UNVERIFIED = (
    ClaimStatus.AGREEMENT,
    ClaimStatus.CONTRADICTION,
    ClaimStatus.UNVERIFIED,
)

# The cast. A voice is a publisher's own reporting ("times") or a speaker's words carried by a
# publisher ("browder@campaign-a"). Roots: the campaign's two sites, its owner (the fund) and
# Bill Browder are one voice; the ambassador, Russian officials and Putin are the Russian state.
PUBLISHER_ROOTS = {"times": "times", "ngo": "ngo", "campaign-a": "fund", "campaign-b": "fund"}
SPEAKER_ROOTS = {
    "browder": "fund",
    "supporters": "fund",
    "ambassador": "russia",
    "officials": "russia",
    "putin": "russia",
    "hautala": "european-parliament",
}


def root_of(voice: str) -> str:
    speaker, _, publisher = voice.partition("@")
    return SPEAKER_ROOTS[speaker] if publisher else PUBLISHER_ROOTS[voice]


# Each row: the evidence as (voice, stance) pairs, the claimant (whose claim it is), and the
# status it must give.
STATUS_TABLE = [
    pytest.param([], None, UNVERIFIED, id="no evidence"),
    pytest.param([("times", "supports")], None, UNVERIFIED, id="one voice supports"),
    pytest.param(
        [("times", "supports"), ("times", "supports")],
        None,
        UNVERIFIED,
        id="two quotes, one voice",
    ),
    pytest.param(
        [("campaign-a", "supports"), ("campaign-b", "supports")],
        None,
        UNVERIFIED,
        id="two sites of one campaign are one voice",
    ),
    pytest.param(
        [("times", "supports"), ("ngo", "supports")], None, AGREEMENT, id="two independent voices"
    ),
    pytest.param(
        [("times", "supports"), ("campaign-a", "supports"), ("campaign-b", "supports")],
        None,
        AGREEMENT,
        id="an outlet and a campaign",
    ),
    pytest.param(
        [("browder@times", "supports"), ("browder@ngo", "supports")],
        None,
        UNVERIFIED,
        id="one speaker reported by two outlets is one voice, not two",
    ),
    pytest.param(
        [("browder@campaign-a", "supports"), ("campaign-b", "supports")],
        None,
        UNVERIFIED,
        id="a speaker and the campaign he belongs to are one voice",
    ),
    pytest.param(
        # "His real crime, say supporters, was exposing a $230 million theft" (the FT, quoted by
        # the NHC): the supporters' words, not the FT's or the NHC's finding.
        [("supporters@ngo", "supports"), ("campaign-a", "supports")],
        None,
        UNVERIFIED,
        id="what supporters say, as a paper reports it, is the campaign's voice",
    ),
    pytest.param(
        # Moscow Times: "Russia's ambassador … warned … could damage relations": the
        # ambassador's objection, not the paper's support for Browder's view.
        [("browder@campaign-a", "supports"), ("ambassador@times", "contradicts")],
        "browder",
        CONTRADICTION,
        id="an ambassador's objection reported by a paper contradicts, in the state's voice",
    ),
    pytest.param(
        # Hautala: "an attempt by the Russian officials to portray this proposal as anti-Russian":
        # the officials' position supports "directed against Russia"; Hautala rejects it.
        [("officials@ngo", "supports"), ("hautala@ngo", "contradicts")],
        "officials",
        CONTRADICTION,
        id="a rejected position, reported by its critic: the sources disagree",
    ),
    pytest.param(
        [("officials@ngo", "supports"), ("ambassador@times", "supports")],
        None,
        UNVERIFIED,
        id="officials and an ambassador of one state are one voice",
    ),
    pytest.param(
        [("putin@campaign-b", "supports")],
        "putin",
        UNVERIFIED,
        id="the claimant's own words alone",
    ),
    pytest.param(
        [("putin@campaign-b", "supports"), ("officials@ngo", "supports"), ("times", "supports")],
        "putin",
        UNVERIFIED,
        id="the claimant's own root does not corroborate: one independent voice left",
    ),
    pytest.param(
        [("putin@campaign-b", "supports"), ("ngo", "supports"), ("times", "supports")],
        "putin",
        AGREEMENT,
        id="two independent voices besides the claimant",
    ),
    pytest.param(
        [("putin@campaign-b", "supports"), ("times", "contradicts")],
        "putin",
        CONTRADICTION,
        id="the claimant's own words count as support when testing for a contradiction",
    ),
    pytest.param(
        [("times", "supports"), ("ngo", "supports"), ("campaign-a", "contradicts")],
        None,
        CONTRADICTION,
        id="agreement broken by one contradiction",
    ),
    pytest.param(
        [("times", "supports"), ("times", "contradicts")],
        None,
        CONTRADICTION,
        id="support and contradiction from one voice",
    ),
    pytest.param([("ngo", "contradicts")], None, UNVERIFIED, id="only contradicted"),
    pytest.param(
        [("ngo", "contradicts"), ("times", "contradicts")],
        None,
        UNVERIFIED,
        id="contradicted by two, supported by none",
    ),
]


def rule_for(evidence, claimant=None) -> str:
    return compute_status(
        supporting={root_of(v) for v, stance in evidence if stance == "supports"},
        contradicting={root_of(v) for v, stance in evidence if stance == "contradicts"},
        claimant=SPEAKER_ROOTS[claimant] if claimant else None,
    )


@pytest.mark.parametrize(("evidence", "claimant", "expected"), STATUS_TABLE)
def test_status_rule(evidence, claimant, expected):
    assert rule_for(evidence, claimant) == expected


class Cast:
    """The publishers and speakers of the table, as the ledger records them."""

    def __init__(self):
        fund = factories.speaker("The Fund", affiliation=None)
        russia = factories.speaker("Russian authorities")
        parliament = factories.speaker("European Parliament")
        campaign = factories.publisher("Campaign", organisation=fund)
        self.publishers = {
            "times": factories.publisher("Times"),
            "ngo": factories.publisher("NGO"),
            "campaign-a": factories.publisher("Campaign site A", part_of=campaign),
            "campaign-b": factories.publisher("Campaign site B", part_of=campaign),
        }
        self.speakers = {
            "browder": factories.speaker("Bill Browder", affiliation=fund),
            "supporters": factories.speaker("Supporters", affiliation=fund),
            "ambassador": factories.speaker("Ambassador", affiliation=russia),
            "officials": factories.speaker("Officials", affiliation=russia),
            "putin": factories.speaker("Vladimir Putin", affiliation=russia),
            "hautala": factories.speaker("Heidi Hautala", affiliation=parliament),
        }

    def claim_with(self, evidence, claimant=None) -> Claim:
        """A claim with one quote per (voice, stance) pair."""
        claim = factories.claim(speaker=self.speakers[claimant] if claimant else None)
        for number, (voice, stance) in enumerate(evidence):
            speaker, _, publisher = voice.partition("@")
            text = f"Quote number {number} says what it says."
            source = factories.source(text, publisher_=self.publishers[publisher or voice])
            factories.evidence(
                claim,
                source,
                text,
                stance,
                speaker_=self.speakers[speaker] if publisher else None,
                voice=VoiceKind.PARAPHRASE if publisher else None,
            )
        claim.refresh_from_db()
        return claim


def claim_with(evidence, claimant=None) -> Claim:
    return Cast().claim_with(evidence, claimant)


@pytest.mark.django_db
@pytest.mark.parametrize(("evidence", "claimant", "expected"), STATUS_TABLE)
def test_stored_status_its_sql_twin_and_its_reason_follow_the_rule(evidence, claimant, expected):
    claim = claim_with(evidence, claimant)
    assert claim.status == expected
    assert Claim.objects.with_computed_status().get(pk=claim.pk).computed_status == expected
    assert Claim.objects.with_evidence().get(pk=claim.pk).reason.status == expected


@pytest.mark.django_db
def test_status_follows_evidence_as_it_is_added_and_removed():
    from claims import services

    # A draft: its evidence changes directly (a published claim's only through review, below).
    claim = factories.claim(review_state=ReviewState.DRAFT)
    times, ngo = factories.publisher(), factories.publisher()
    factories.evidence(claim, factories.source("One says yes.", publisher_=times), "One says yes.")
    claim.refresh_from_db()
    assert claim.status == UNVERIFIED

    second = factories.evidence(
        claim, factories.source("Two says yes.", publisher_=ngo), "Two says yes."
    )
    claim.refresh_from_db()
    assert claim.status == AGREEMENT

    factories.evidence(
        claim, factories.source("Three says no.", publisher_=ngo), "Three says no.", "contradicts"
    )
    claim.refresh_from_db()
    assert claim.status == CONTRADICTION

    by = factories.author()
    services.evidence_add(
        claim=claim,
        excerpt=second.excerpt,
        stance="contradicts",
        by=by,
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    services.evidence_remove(
        evidence=claim.evidence.get(excerpt__text="Three says no."),
        by=by,
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    assert claim.status == CONTRADICTION  # "One" supports, "Two" now contradicts

    services.evidence_remove(
        evidence=claim.evidence.get(excerpt__text="Two says yes."),
        by=by,
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    assert claim.status == UNVERIFIED


@pytest.mark.django_db
def test_a_published_claims_status_follows_an_approved_change_of_stance():
    from claims import services

    claim = factories.claim()
    times, ngo = factories.publisher(), factories.publisher()
    factories.evidence(claim, factories.source("One says yes.", publisher_=times), "One says yes.")
    second = factories.evidence(
        claim, factories.source("Two says yes.", publisher_=ngo), "Two says yes."
    )
    claim.refresh_from_db()
    assert (claim.review_state, claim.status) == (ReviewState.PUBLISHED, AGREEMENT)

    change = services.change_propose(
        target=second,
        changes={"stance": "contradicts"},
        reason="Read in full, the quote denies it.",
        by=factories.author(),
    )
    claim.refresh_from_db()
    assert claim.status == AGREEMENT  # nothing changes until another reviewer approves
    services.change_approve(change=change, by=factories.reviewer_account())

    claim.refresh_from_db()
    assert claim.status == CONTRADICTION
    assert Claim.objects.with_computed_status().get(pk=claim.pk).computed_status == CONTRADICTION


# -- properties, over any evidence ----------------------------------------------------------------

VOICES = [*PUBLISHER_ROOTS, *(f"{speaker}@times" for speaker in SPEAKER_ROOTS)]
any_evidence = st.lists(
    st.tuples(st.sampled_from(VOICES), st.sampled_from(["supports", "contradicts"])), max_size=6
)
any_claimant = st.one_of(st.none(), st.sampled_from(sorted(SPEAKER_ROOTS)))


@given(evidence=any_evidence, claimant=any_claimant)
def test_a_contradiction_needs_both_a_supporting_and_a_contradicting_voice(evidence, claimant):
    stances = {stance for _, stance in evidence}
    assert (rule_for(evidence, claimant) == CONTRADICTION) == (
        stances == {"supports", "contradicts"}
    )


@given(evidence=any_evidence, claimant=any_claimant)
def test_agreement_means_two_independent_voices_besides_the_claimant_and_none_against(
    evidence, claimant
):
    voices = {root_of(v) for v, stance in evidence if stance == "supports"}
    voices.discard(SPEAKER_ROOTS.get(claimant))
    contradicted = any(stance == "contradicts" for _, stance in evidence)
    assert (rule_for(evidence, claimant) == AGREEMENT) == (len(voices) >= 2 and not contradicted)


@given(evidence=any_evidence, claimant=any_claimant, data=st.data())
def test_the_order_and_repetition_of_quotes_do_not_change_the_status(evidence, claimant, data):
    shuffled = data.draw(st.permutations(evidence))
    assert rule_for(shuffled + shuffled, claimant) == rule_for(evidence, claimant)


@given(evidence=any_evidence, claimant=any_claimant)
def test_an_outlet_reporting_more_speakers_never_adds_a_voice_of_its_own(evidence, claimant):
    """Reported words count for whoever said them: re-reporting them through another outlet
    changes nothing."""
    moved = [(v.replace("@times", "@ngo"), stance) for v, stance in evidence]
    assert rule_for(moved, claimant) == rule_for(evidence, claimant)


@given(evidence=any_evidence, claimant=any_claimant)
def test_the_reason_states_the_rules_own_status(evidence, claimant):
    def voice(name):
        return Voice(root=root_of(name), root_name=root_of(name), publisher="P", kind="own")

    reason = assess(
        supporting=[voice(v) for v, stance in evidence if stance == "supports"],
        contradicting=[voice(v) for v, stance in evidence if stance == "contradicts"],
        claimant=SPEAKER_ROOTS[claimant] if claimant else None,
        claimant_name=claimant or "",
    )
    assert reason.status == rule_for(evidence, claimant)
    assert reason.summary().startswith(reason.label)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(evidence=any_evidence, claimant=any_claimant)
def test_stored_status_and_sql_twin_agree_with_the_rule_for_any_evidence(evidence, claimant):
    # Each example in a savepoint of its own, rolled back: the examples do not see each other.
    with transaction.atomic():
        claim = claim_with(evidence, claimant)
        assert claim.status == rule_for(evidence, claimant)
        assert Claim.objects.with_computed_status().get(pk=claim.pk).computed_status == claim.status
        transaction.set_rollback(True)


def test_the_readme_states_the_rule_in_the_rule_modules_own_words():
    readme = " ".join(
        line.strip().removeprefix("- ")
        for line in (Path(__file__).parent.parent / "README.md").read_text().splitlines()
    )
    for principle in PRINCIPLES:
        assert principle in readme
