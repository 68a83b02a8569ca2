"""The status rule: agreement, contradiction or unverified, from the evidence alone."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.choices import ClaimStatus, ReviewState
from claims.models import Claim
from claims.rules.status import compute_status
from tests import factories

AGREEMENT, CONTRADICTION, UNVERIFIED = (
    ClaimStatus.AGREEMENT,
    ClaimStatus.CONTRADICTION,
    ClaimStatus.UNVERIFIED,
)

# Each row: the evidence as (publisher, stance) pairs, and the status it must give.
# Publishers "campaign-a" and "campaign-b" are two sites of one campaign: not independent.
STATUS_TABLE = [
    pytest.param([], UNVERIFIED, id="no evidence"),
    pytest.param([("times", "supports")], UNVERIFIED, id="one publisher supports"),
    pytest.param(
        [("times", "supports"), ("times", "supports")],
        UNVERIFIED,
        id="two quotes, same publisher",
    ),
    pytest.param(
        [("campaign-a", "supports"), ("campaign-b", "supports")],
        UNVERIFIED,
        id="two sites of one campaign are one voice",
    ),
    pytest.param(
        [("times", "supports"), ("ngo", "supports")], AGREEMENT, id="two independent publishers"
    ),
    pytest.param(
        [("times", "supports"), ("campaign-a", "supports"), ("campaign-b", "supports")],
        AGREEMENT,
        id="an outlet and a campaign",
    ),
    pytest.param(
        [("times", "supports"), ("ngo", "supports"), ("campaign-a", "contradicts")],
        CONTRADICTION,
        id="agreement broken by one contradiction",
    ),
    pytest.param(
        [("times", "supports"), ("times", "contradicts")],
        CONTRADICTION,
        id="support and contradiction from one publisher",
    ),
    pytest.param([("ngo", "contradicts")], UNVERIFIED, id="only contradicted"),
    pytest.param(
        [("ngo", "contradicts"), ("times", "contradicts")],
        UNVERIFIED,
        id="contradicted by two, supported by none",
    ),
]

# The campaign's two sites share a parent; the others are independent.
PARENTS = {"campaign-a": "campaign", "campaign-b": "campaign"}


@pytest.mark.parametrize(("evidence", "expected"), STATUS_TABLE)
def test_status_rule(evidence, expected):
    supporting = {PARENTS.get(p, p) for p, stance in evidence if stance == "supports"}
    contradicting = sum(1 for _, stance in evidence if stance == "contradicts")
    assert (
        compute_status(supporting_publishers=supporting, contradicting_excerpts=contradicting)
        == expected
    )


def claim_with(evidence) -> Claim:
    """A claim with one quote per (publisher, stance) pair, from the four publishers above."""
    campaign = factories.publisher("Campaign")
    publishers = {
        "times": factories.publisher("Times"),
        "ngo": factories.publisher("NGO"),
        "campaign-a": factories.publisher("Campaign site A", part_of=campaign),
        "campaign-b": factories.publisher("Campaign site B", part_of=campaign),
    }
    claim = factories.claim()
    for number, (publisher, stance) in enumerate(evidence):
        text = f"Quote number {number} says what it says."
        source = factories.source(text, publisher_=publishers[publisher])
        factories.evidence(claim, source, text, stance)
    claim.refresh_from_db()
    return claim


@pytest.mark.django_db
@pytest.mark.parametrize(("evidence", "expected"), STATUS_TABLE)
def test_stored_status_and_its_sql_twin_follow_the_rule(evidence, expected):
    claim = claim_with(evidence)
    assert claim.status == expected
    assert Claim.objects.with_computed_status().get(pk=claim.pk).computed_status == expected


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

PUBLISHER_NAMES = ["times", "ngo", "campaign-a", "campaign-b"]
any_evidence = st.lists(
    st.tuples(st.sampled_from(PUBLISHER_NAMES), st.sampled_from(["supports", "contradicts"])),
    max_size=6,
)


def rule_for(evidence) -> ClaimStatus:
    supporting = {PARENTS.get(p, p) for p, stance in evidence if stance == "supports"}
    contradicting = sum(1 for _, stance in evidence if stance == "contradicts")
    return compute_status(supporting_publishers=supporting, contradicting_excerpts=contradicting)


@given(evidence=any_evidence)
def test_a_contradiction_needs_both_a_supporting_and_a_contradicting_quote(evidence):
    stances = {stance for _, stance in evidence}
    assert (rule_for(evidence) == CONTRADICTION) == (stances == {"supports", "contradicts"})


@given(evidence=any_evidence)
def test_agreement_means_two_independent_voices_and_no_contradiction(evidence):
    voices = {PARENTS.get(p, p) for p, stance in evidence if stance == "supports"}
    contradicted = any(stance == "contradicts" for _, stance in evidence)
    assert (rule_for(evidence) == AGREEMENT) == (len(voices) >= 2 and not contradicted)


@given(evidence=any_evidence, data=st.data())
def test_the_order_and_repetition_of_quotes_do_not_change_the_status(evidence, data):
    shuffled = data.draw(st.permutations(evidence))
    assert rule_for(shuffled + shuffled) == rule_for(evidence)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(evidence=any_evidence)
def test_stored_status_and_sql_twin_agree_with_the_rule_for_any_evidence(evidence):
    # Each example in a savepoint of its own, rolled back: the examples do not see each other.
    with transaction.atomic():
        claim = claim_with(evidence)
        assert claim.status == rule_for(evidence)
        assert Claim.objects.with_computed_status().get(pk=claim.pk).computed_status == claim.status
        transaction.set_rollback(True)
