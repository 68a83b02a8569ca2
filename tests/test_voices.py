"""Voices: whose assertion each quote is, who counts with whom, and the status that follows."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from claims import services
from claims.choices import ClaimStatus, VoiceKind
from claims.models import Claim, Excerpt
from claims.ops.integrity import find_problems
from claims.rules import independence
from tests import factories

QUOTE = "The fund's founder says the arrest was retribution."


def two_voices_agreeing():
    """A published claim supported by a paper's own reporting and by an NGO's founder, quoted
    by the NGO: two independent voices, so agreement, until the founder joins the paper."""
    paper, ngo = factories.publisher("Paper"), factories.publisher("NGO")
    founder = factories.speaker("Founder")
    claim = factories.claim("The arrest was retribution.")
    own = "Our reporting agrees."
    factories.evidence(claim, factories.source(own, publisher_=paper), own)
    factories.evidence(
        claim, factories.source(QUOTE, publisher_=ngo), QUOTE, speaker_=founder, voice="quote"
    )
    claim.refresh_from_db()
    return claim, paper, founder


@pytest.mark.django_db
def test_a_reported_quote_counts_for_its_speaker_not_for_the_outlet():
    paper = factories.publisher("Paper")
    browder = factories.speaker("Bill Browder")
    claim = factories.claim("The arrest was retribution.", speaker=browder)
    text = "Browder said the arrest was retribution."
    factories.evidence(
        claim, factories.source(text, publisher_=paper), text, speaker_=browder, voice="paraphrase"
    )
    claim = Claim.objects.with_evidence().get(pk=claim.pk)
    assert claim.status == ClaimStatus.UNVERIFIED
    (group,) = claim.reason.supporting
    assert group.claimant
    assert group.describe().startswith("Bill Browder — as reported by Paper")
    assert claim.reason.corroborating == 0


@pytest.mark.django_db
def test_an_affiliation_joins_two_voices_and_the_status_follows_at_once():
    claim, paper, founder = two_voices_agreeing()
    assert claim.status == ClaimStatus.AGREEMENT

    owner = factories.speaker("Paper's owner")
    # Publishers and speakers on published claims change through a reviewed change.
    for target, changes in ((paper, {"organisation": owner}), (founder, {"affiliation": owner})):
        change = services.change_propose(
            target=target, changes=changes, reason="Same owner.", by=factories.author()
        )
        services.change_approve(change=change, by=factories.reviewer_account())

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNVERIFIED
    assert claim.history.filter(history_change_reason__startswith="speaker").exists()
    assert list(find_problems()) == []


@pytest.mark.django_db
def test_an_unreviewed_affiliation_change_to_a_published_voice_is_refused():
    claim, _, founder = two_voices_agreeing()
    with pytest.raises(services.NeedsReview):
        services.speaker_update(
            speaker=founder, affiliation=factories.speaker(), by=factories.author()
        )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.AGREEMENT


@pytest.mark.django_db
def test_a_circular_affiliation_is_refused_naming_the_loop():
    hermitage = factories.speaker("Hermitage")
    browder = factories.speaker("Bill Browder", affiliation=hermitage)
    campaign = factories.speaker("Campaign", affiliation=browder)
    with pytest.raises(ValidationError) as refused:
        services.speaker_update(speaker=hermitage, affiliation=campaign, by=factories.author())
    message = refused.value.message_dict["affiliation"][0]
    assert "Hermitage → Campaign → Bill Browder → Hermitage" in message
    hermitage.refresh_from_db()
    assert hermitage.affiliation is None

    with pytest.raises(ValidationError, match="Hermitage → Hermitage"):
        services.speaker_update(speaker=hermitage, affiliation=hermitage, by=factories.author())


@pytest.mark.django_db
def test_a_change_of_voice_recomputes_the_status():
    claim, _, _ = two_voices_agreeing()
    excerpt = Excerpt.objects.get(text=QUOTE)
    # The founder's words were the NGO's own finding all along: still two voices.
    change = services.change_propose(
        target=excerpt,
        changes={"voice": VoiceKind.OWN, "speaker": None},
        reason="Read in context, it is the NGO's own finding.",
        by=factories.author(),
    )
    services.change_approve(change=change, by=factories.reviewer_account())
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.AGREEMENT

    paper_quote = Excerpt.objects.get(text="Our reporting agrees.")
    ngo = excerpt.source.publisher
    # Now the paper's sentence turns out to quote the NGO: one voice left.
    speaker = factories.speaker("NGO as a body")
    for target, changes in (
        (ngo, {"organisation": speaker}),
        (paper_quote, {"voice": VoiceKind.QUOTE, "speaker": speaker}),
    ):
        change = services.change_propose(
            target=target, changes=changes, reason="The NGO's words.", by=factories.author()
        )
        services.change_approve(change=change, by=factories.reviewer_account())
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNVERIFIED


@pytest.mark.django_db
def test_reported_words_need_their_speaker_and_own_words_have_none():
    source = factories.source("Officials said he died of heart failure.")
    with pytest.raises(ValidationError) as refused:
        services.excerpt_create(
            source=source, quote="he died of heart failure", voice="quote", by=factories.author()
        )
    assert "speaker" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.excerpt_create(
            source=source,
            quote="he died of heart failure",
            voice="own",
            speaker=factories.speaker(),
            by=factories.author(),
        )
    assert "speaker" in refused.value.message_dict
    assert not Excerpt.objects.exists()


@pytest.mark.django_db
def test_evidence_in_the_claimants_own_voice_is_allowed_and_shown_as_such(client):
    putin = factories.speaker("Vladimir Putin")
    claim = factories.claim("He died of a heart attack.", speaker=putin)
    text = "Putin claimed he died from a heart attack."
    factories.evidence(claim, factories.source(text), text, speaker_=putin, voice="paraphrase")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "the claimant&#x27;s own voice" in page
    assert "show that the claim is made, not that it is true" in page


# -- the forest, over any affiliations ---------------------------------------------------------

any_parents = st.dictionaries(
    st.sampled_from("abcdefgh"), st.one_of(st.none(), st.sampled_from("abcdefgh")), max_size=8
)


@given(parents=any_parents)
def test_roots_are_found_or_the_loop_is_named(parents):
    try:
        roots = independence.roots(parents)
    except independence.AffiliationLoop as loop:
        assert loop.loop[0] == loop.loop[-1]
        for child, parent in itertools.pairwise(loop.loop):
            assert parents[child] == parent
        return
    for node, root in roots.items():
        assert parents.get(root) is None
        seen, current = set(), node
        while parents.get(current) is not None:
            seen.add(current)
            current = parents[current]
        assert current == root


@given(parents=any_parents, node=st.sampled_from("abcdefgh"), parent=st.sampled_from("abcdefgh"))
def test_a_new_affiliation_closes_a_loop_exactly_when_roots_would_fail(parents, node, parent):
    try:
        independence.roots(parents)
    except independence.AffiliationLoop:
        return  # only loop-free forests are ever stored
    loop = independence.loop_if(parents, node, parent)
    changed = {**parents, node: parent}
    try:
        independence.roots(changed)
        assert loop is None
    except independence.AffiliationLoop:
        assert loop is not None and loop[0] == loop[-1] == node


@pytest.mark.django_db
def test_naming_the_claimant_recomputes_the_status():
    browder = factories.speaker("Bill Browder")
    claim = factories.claim("The arrest was retribution.", review_state="draft")
    said, own = "Browder said it was.", "Our reporting agrees."
    factories.evidence(claim, factories.source(said), said, speaker_=browder)
    factories.evidence(claim, factories.source(own), own)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.AGREEMENT  # Browder and a paper: two voices

    claim = services.claim_update(
        claim=claim, speaker=browder, by=factories.author(), expected_version=claim.version
    )
    # Browder's claim now: his own words show he makes it; one paper is not agreement.
    assert claim.status == ClaimStatus.UNVERIFIED
    assert Claim.objects.with_computed_status().get(pk=claim.pk).computed_status == claim.status
    assert list(find_problems()) == []


@pytest.mark.django_db
def test_the_speakers_list_does_not_query_per_affiliated_speaker(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/speakers/", HTTP_ACCEPT="application/json")
            assert response.status_code == 200
        return len(captured)

    def quoted_member_of(organisation):
        member = factories.speaker(affiliation=organisation)
        claim = factories.claim()
        text = f"{member.name} said so."
        factories.evidence(claim, factories.source(text), text, speaker_=member)
        return member

    organisation = factories.speaker("The Organisation")
    quoted_member_of(organisation)
    few = queries()
    for _ in range(6):
        quoted_member_of(factories.speaker())
    assert queries() == few


@pytest.mark.django_db
def test_a_proposed_affiliation_that_closes_a_loop_is_refused_when_proposed():
    hermitage = factories.speaker("Hermitage")
    browder = factories.speaker("Bill Browder", affiliation=hermitage)
    claim = factories.claim(speaker=hermitage)
    factories.evidence(claim, factories.source("Own words."), "Own words.")
    with pytest.raises(ValidationError, match="Hermitage → Bill Browder → Hermitage"):
        services.change_propose(
            target=hermitage,
            changes={"affiliation": browder.pk},
            reason="Belongs to Browder.",
            by=factories.author(),
        )
