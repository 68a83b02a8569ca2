"""The curated Magnitsky ledger: real quotes from the five seed documents, and where they differ."""

import re

from django.core.management import call_command

from claims.models import Claim, Dispute, Evidence, Excerpt, ReviewState, Source
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


def test_putins_heart_attack_account_is_contradicted_by_the_quotes(seeded_ledger):
    heart_attack = Claim.objects.get(slug="died-of-heart-attack")
    assert heart_attack.dispute.question == "How did Sergei Magnitsky die?"
    assert heart_attack.status == "contradiction"
    supporting = heart_attack.evidence.get(stance="supports").excerpt
    assert "heart attack" in supporting.text
    assert supporting.speaker.name == "Vladimir Putin"
    assert supporting.source.publisher.name == "Justice for Sergei Magnitsky campaign"


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


def test_two_campaign_sites_never_make_an_agreement_on_their_own(seeded_ledger):
    for claim in Claim.objects.filter(status="agreement"):
        voices = {
            publisher.part_of_id or publisher.pk
            for publisher in (
                e.excerpt.source.publisher
                for e in claim.evidence.filter(stance="supports").select_related(
                    "excerpt__source__publisher"
                )
            )
        }
        assert len(voices) >= 2, claim.slug


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
