"""The curated Magnitsky ledger: real quotes from the five seed documents, and where they differ."""

import json
import re

import yaml
from django.core.management import call_command
from django.utils.html import escape

from claims.choices import VoiceKind
from claims.models import Claim, Dispute, Evidence, Excerpt, Publisher, ReviewState, Source
from claims.ops.loader import load_ledger


def test_the_curated_ledger_is_substantial_and_uses_every_document(seeded_ledger):
    assert Dispute.objects.count() >= 8
    assert Claim.objects.count() >= 30
    assert Evidence.objects.count() >= 70
    for source in Source.objects.all():
        assert source.excerpts.count() >= 3, source.original_filename
    assert Source.objects.count() == 5


def test_all_three_statuses_occur(seeded_ledger):
    statuses = set(Claim.objects.values_list("status", flat=True))
    assert statuses == {"agreement", "contradiction", "unverified"}


def test_the_curated_ledger_is_published_for_the_public(seeded_ledger):
    assert set(Claim.objects.values_list("review_state", flat=True)) == {ReviewState.PUBLISHED}
    assert Dispute.objects.published().count() == Dispute.objects.count()


def test_every_excerpt_is_its_sources_text_and_verify_agrees(seeded_ledger, capsys):
    for excerpt in Excerpt.objects.select_related("source"):
        assert excerpt.source.text[excerpt.start : excerpt.end] == excerpt.text
    call_command("verify_ledger")
    assert "checks out" in capsys.readouterr().out


def test_the_russian_authorities_account_of_the_death_is_contradicted_and_heard_through_others(
    seeded_ledger,
):
    natural = Claim.objects.get(slug="died-of-natural-causes")
    assert natural.dispute.question == "How did Sergei Magnitsky die?"
    assert natural.status == "contradiction"
    supporting = [e.excerpt for e in natural.evidence.filter(stance="supports")]
    assert "heart attack" in " ".join(excerpt.text for excerpt in supporting)
    for excerpt in supporting:
        # The Russian side's words, never the campaign's own, and known only through it.
        assert excerpt.is_reported and excerpt.speaker.voice_root_name.startswith("Russian")
        assert excerpt.source.publisher.part_of.slug == "hermitage-capital"
    assert "only through" in natural.dispute.summary


def test_the_sources_disagree_about_his_profession(seeded_ledger):
    dispute = Dispute.objects.get(slug="profession")
    quotes = " ".join(
        Excerpt.objects.filter(evidence__claim__dispute=dispute).values_list("text", flat=True)
    )
    assert "accountant" in quotes and "lawyer" in quotes


def test_bundled_press_releases_date_each_quote_by_its_release(seeded_ledger):
    sixty = Excerpt.objects.filter(text__contains="60", item__isnull=False).first()
    assert sixty is not None and sixty.dated.year == 2011
    forty_four = Excerpt.objects.get(text__contains="44 names")
    assert forty_four.item is None and forty_four.source.publisher.slug == (
        "norwegian-helsinki-committee"
    )
    # Different lists at different dates are separate claims, not a contradiction.
    lists = Claim.objects.filter(dispute__slug="sanction-lists")
    assert not lists.filter(status="contradiction").exists()


def test_every_agreement_rests_on_two_independent_voices_besides_the_claimant(seeded_ledger):
    """Read from the stored rows, not through the rule: own words count for the publisher's
    root, reported words for the speaker's, and the claimant's root never counts."""
    agreed = Claim.objects.filter(status="agreement").select_related("speaker")
    assert agreed.exists()
    for claim in agreed:
        roots = set()
        for evidence in claim.evidence.select_related(
            "excerpt__speaker", "excerpt__source__publisher"
        ):
            assert evidence.stance == "supports", claim.slug
            excerpt = evidence.excerpt
            voice = excerpt.speaker if excerpt.is_reported else excerpt.source.publisher
            roots.add(voice.voice_root)
        roots.discard(claim.speaker.voice_root if claim.speaker else None)
        assert len(roots) >= 2, claim.slug


def test_every_curated_quote_has_a_voice_and_every_reported_voice_names_its_speaker(seeds_dir):
    data = yaml.safe_load((seeds_dir / "ledger.yaml").read_text())
    items = [
        (claim["slug"], entry)
        for dispute in data["disputes"]
        for claim in dispute["claims"]
        for entry in claim.get("evidence") or []
    ]
    assert len(items) >= 150
    for slug, entry in items:
        assert entry.get("voice") in VoiceKind.values, slug
        if entry["voice"] == VoiceKind.OWN:
            assert not entry.get("speaker") and not entry.get("via"), slug
        else:
            assert entry.get("speaker"), slug


def test_the_reviews_examples_are_recorded_in_the_voice_that_spoke(seeded_ledger):
    hautala = Evidence.objects.get(excerpt__text__contains="portray this proposal as anti-Russian")
    # Hautala reports the Russian officials' portrayal and rejects it: her voice, against.
    assert (hautala.excerpt.speaker.slug, hautala.stance) == ("heidi-hautala", "contradicts")
    assert hautala.claim.slug == "sanctions-anti-russian"

    # The Moscow Times reporting the ambassador's warning is not the paper backing Browder.
    warned = Evidence.objects.filter(excerpt__text__contains="could damage relations")
    assert not warned.filter(excerpt__voice=VoiceKind.OWN, stance="supports").exists()

    # "His real crime, say supporters": the supporters' view, one voice with the campaign.
    supporters = Excerpt.objects.get(text__contains="say supporters")
    assert supporters.is_reported and supporters.speaker.voice_root_name == (
        "Hermitage Capital Management"
    )
    assert supporters.via.slug == "financial-times"


def test_loading_the_seeds_again_changes_nothing(seeded_ledger, seeds_dir):
    assert load_ledger(seeds_dir / "ledger.yaml").changed() == 0


def test_the_contradiction_page_for_his_death_shows_both_accounts(seeded_ledger, client):
    page = client.get("/disputes/cause-of-death/").content.decode()
    assert "How did Sergei Magnitsky die?" in page
    assert "died from a" in page  # Putin, as reported
    assert "beaten by eight riot guards" in page  # Browder


def test_a_newcomer_finds_how_magnitsky_died_first_on_the_home_page(seeded_ledger, client):
    page = client.get("/").content.decode()
    questions = re.findall(
        r'<article class="dispute-card">\s*<h3><a href="[^"]+">([^<]+)</a>', page
    )
    assert questions[0] == "How did Sergei Magnitsky die?"
    assert len(questions) == Dispute.objects.count()


def test_the_methodology_page_states_the_rule_in_its_own_words(client, seeded_ledger):
    from claims.rules import status

    page = client.get("/methodology/").content.decode()
    for words in (*status.PRINCIPLES, *status.STATUS_MEANINGS.values()):
        assert str(escape(words)) in page
    # Which published voices count together, from the ledger itself.
    assert "Bill Browder" in page and "Hermitage Capital Management" in page


def test_the_reason_reaches_readers_the_api_and_claimreview_alike(seeded_ledger, client):
    claim = Claim.objects.with_evidence().get(slug="died-of-natural-causes")
    reason = claim.reason
    assert reason.status == claim.status == "contradiction"

    page = client.get(claim.get_absolute_url()).content.decode()
    assert "Why this status" in page
    for group in (*reason.supporting, *reason.contradicting):
        assert str(escape(group.describe())) in page

    api = client.get(f"/api/v1/claims/{claim.pk}/", HTTP_ACCEPT="application/json").json()
    assert api["status_reason"] == reason.as_data()
    (russian,) = api["status_reason"]["supporting"]
    assert russian["claimant"] and {v["name"] for v in russian["voices"]} == {
        "Vladimir Putin",
        "Russian government / Russian authorities",
    }

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    rating = json.loads(block)["reviewRating"]
    assert rating["ratingExplanation"] == reason.summary()
    assert rating["alternateName"].startswith("Contradiction: The sources disagree")


def test_every_voice_the_pages_name_has_a_page(seeded_ledger, client):
    """Organisations and intermediaries are named on claim pages and in the API: each links."""
    for slug in ("interfax", "open-russia", "norwegian-government", "hermitage-capital"):
        page = client.get(f"/speakers/{slug}/")
        assert page.status_code == 200, slug
        api = client.get(f"/api/v1/speakers/{slug}/", HTTP_ACCEPT="application/json")
        assert api.status_code == 200, slug
    members = client.get("/speakers/hermitage-capital/").content.decode()
    assert "Bill Browder" in members


def test_a_publisher_supports_a_fact_only_in_its_own_voice(seeded_ledger):
    times = Publisher.objects.get(slug="the-moscow-times")
    for claim in Claim.objects.verified().supported_by(times):
        own = claim.evidence.filter(
            stance="supports", excerpt__voice=VoiceKind.OWN, excerpt__source__publisher=times
        )
        assert own.exists(), claim.slug
    reported_only = Claim.objects.filter(
        evidence__stance="supports", evidence__excerpt__source__publisher=times
    ).exclude(
        evidence__stance="supports",
        evidence__excerpt__source__publisher=times,
        evidence__excerpt__voice=VoiceKind.OWN,
    )
    assert reported_only.exists()  # claims it only reports others' words for
    assert not Claim.objects.supported_by(times).filter(pk__in=reported_only).exists()
