"""The ledger file loader: every quote anchored, loud on a bad one, idempotent."""

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims import services
from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    ReviewEvent,
    ReviewState,
    Source,
    SourceItem,
    Speaker,
)
from claims.ops.loader import LedgerFileError, load_ledger

DATA = Path(__file__).parent / "data"


@pytest.fixture
def ledger_dir(tmp_path):
    for name in ("ledger.yaml", "report.txt", "other.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def everything():
    """A fingerprint of every row the loader writes, history included."""
    models = [Source, SourceItem, Excerpt, Claim, Dispute, Evidence, ReviewEvent]
    rows = {}
    for model in models:
        rows[model.__name__] = list(model.objects.order_by("pk").values())
        if hasattr(model, "history"):
            rows[f"{model.__name__} history"] = model.history.count()
    return rows


@pytest.mark.django_db
def test_loader_builds_the_ledger_from_quotes(ledger_dir):
    load_ledger(ledger_dir / "ledger.yaml")

    heart = Claim.objects.get(slug="heart-failure")
    beaten = Claim.objects.get(slug="beaten")
    assert heart.status == "contradiction"
    assert beaten.status == "agreement"  # the campaign and an independent paper
    assert heart.review_state == beaten.review_state == ReviewState.PUBLISHED
    assert Dispute.objects.get().review_state == ReviewState.PUBLISHED
    # Submitted by the file's author account, published by its review account: four eyes.
    assert [(e.action, e.actor_name) for e in heart.review_events.all()] == [
        ("submit", services.LEDGER_FILE_AUTHOR),
        ("publish", services.LEDGER_FILE_REVIEWER),
    ]


@pytest.mark.django_db
def test_loader_dates_each_quote_by_its_item(ledger_dir):
    load_ledger(ledger_dir / "ledger.yaml")

    denial = Excerpt.objects.get(text="the lawyer died of heart failure")
    assert denial.item.heading == "Officials Deny Abuse"
    assert str(denial.dated) == "2012-03-01"
    answer = Excerpt.objects.get(text="The campaign said the lawyer was beaten by guards.")
    assert answer.item.heading == "Campaign Answers"
    assert str(answer.dated) == "2012-03-08"


@pytest.mark.django_db
def test_loader_uses_the_text_before_a_repeated_quote_to_pick_it(ledger_dir):
    load_ledger(ledger_dir / "ledger.yaml")

    text = (ledger_dir / "report.txt").read_text()
    answer = Excerpt.objects.get(text="The campaign said the lawyer was beaten by guards.")
    assert answer.start == text.rindex("The campaign said the lawyer was beaten by guards.")


@pytest.mark.django_db
def test_one_excerpt_can_support_one_claim_and_contradict_another(ledger_dir):
    load_ledger(ledger_dir / "ledger.yaml")

    excerpt = Excerpt.objects.get(text__startswith="the lawyer was beaten by guards before")
    assert sorted(excerpt.evidence.values_list("claim__slug", "stance")) == [
        ("beaten", "supports"),
        ("heart-failure", "contradicts"),
    ]


@pytest.mark.django_db
def test_loading_twice_changes_nothing(ledger_dir):
    first = load_ledger(ledger_dir / "ledger.yaml")
    before = everything()
    second = load_ledger(ledger_dir / "ledger.yaml")

    assert first.changed() > 0
    assert second.changed() == 0
    assert everything() == before


@pytest.mark.django_db
def test_changing_a_stance_in_the_file_updates_it_on_reload(ledger_dir):
    load_ledger(ledger_dir / "ledger.yaml")
    path = ledger_dir / "ledger.yaml"
    path.write_text(path.read_text().replace("stance: contradicts", "stance: supports"))

    load_ledger(path)

    heart_failure = Claim.objects.get(slug="heart-failure")
    assert set(heart_failure.evidence.values_list("stance", flat=True)) == {"supports"}
    # The ministry's own words and one paper: one voice besides the claimant, no agreement.
    assert heart_failure.status == "unverified"


@pytest.mark.django_db
def test_a_quote_not_in_its_source_fails_the_load_by_name_and_saves_nothing(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    path.write_text(
        path.read_text().replace(
            '"the lawyer died of heart failure"', '"the lawyer died of a heart attack"'
        )
    )

    with pytest.raises(LedgerFileError) as failure:
        load_ledger(path)

    message = str(failure.value)
    assert "claim 'heart-failure', evidence 1" in message
    assert "“the lawyer died of a heart attack”" in message
    assert "nearest passage" in message
    assert "the lawyer died of heart failure" in message
    assert Source.objects.count() == Claim.objects.count() == 0


@pytest.mark.django_db
def test_an_ambiguous_quote_fails_the_load_and_says_how_often_it_occurs(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    path.write_text(path.read_text().replace('            after: "beaten by guards. "\n', ""))

    with pytest.raises(LedgerFileError, match="occurs 2 times"):
        load_ledger(path)


@pytest.mark.django_db
def test_a_seed_file_that_differs_from_its_manifest_is_refused(ledger_dir):
    (ledger_dir / "SHA256SUMS").write_text(f"{'0' * 64}  report.txt\n")

    with pytest.raises(LedgerFileError, match="does not match SHA256SUMS"):
        load_ledger(ledger_dir / "ledger.yaml")


@pytest.mark.django_db
def test_an_unknown_reference_names_what_is_known(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    path.write_text(path.read_text().replace("speaker: ministry\n    ", "speaker: minstry\n    "))

    with pytest.raises(LedgerFileError, match="unknown speaker 'minstry'"):
        load_ledger(path)


@pytest.mark.django_db
def test_load_ledger_command_reports_and_fails_cleanly(ledger_dir, capsys):
    call_command("load_ledger", str(ledger_dir / "ledger.yaml"))
    assert "Ledger loaded." in capsys.readouterr().out
    call_command("load_ledger", str(ledger_dir / "ledger.yaml"))
    assert "already up to date" in capsys.readouterr().out

    with pytest.raises(CommandError, match="not valid YAML"):
        (ledger_dir / "broken.yaml").write_text("version: [1\n")
        call_command("load_ledger", str(ledger_dir / "broken.yaml"))


@pytest.mark.django_db
def test_a_missing_field_is_named_with_its_place(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    path.write_text(path.read_text().replace("    title: Independent report\n", ""))

    with pytest.raises(
        LedgerFileError, match="source 'paper-report': the field 'title' is required"
    ):
        load_ledger(path)


@pytest.mark.django_db
def test_a_quote_added_to_a_published_claim_in_the_file_is_a_reviewed_correction(ledger_dir):
    load_ledger(ledger_dir / "ledger.yaml")
    path = ledger_dir / "ledger.yaml"
    beaten_entry = """      - slug: beaten
        text: The lawyer was beaten by guards.
        evidence:
"""
    new_quote = """          - source: digest
            quote: "Officials Deny Abuse"
            stance: contradicts
            voice: paraphrase
            speaker: ministry
"""
    path.write_text(path.read_text().replace(beaten_entry, beaten_entry + new_quote))

    load_ledger(path)

    beaten = Claim.objects.get(slug="beaten")
    assert beaten.evidence.filter(excerpt__text="Officials Deny Abuse").exists()
    correction = beaten.review_events.order_by("at", "pk").last()
    assert (correction.action, correction.actor_name) == ("correct", services.LEDGER_FILE_REVIEWER)
    assert "evidence (a quote added)" in correction.comment


@pytest.mark.django_db
def test_rewording_a_published_claim_in_the_file_is_a_reviewed_correction(ledger_dir):
    load_ledger(ledger_dir / "ledger.yaml")
    before = Claim.objects.get(slug="beaten")
    path = ledger_dir / "ledger.yaml"
    path.write_text(
        path.read_text().replace(
            "text: The lawyer was beaten by guards.", "text: Guards beat the lawyer."
        )
    )

    report = load_ledger(path)

    after = Claim.objects.get(slug="beaten")
    assert (after.text, after.review_state) == ("Guards beat the lawyer.", "published")
    assert after.version > before.version
    assert after.review_events.order_by("at", "pk").last().action == "correct"
    assert report.counts["claims"]["updated"] == 1


@pytest.mark.django_db
def test_every_quote_in_the_file_must_say_whose_voice_it_is(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    path.write_text(path.read_text().replace("            voice: own\n", "", 1))
    with pytest.raises(LedgerFileError, match="the field 'voice' is required"):
        load_ledger(path)
    assert not Claim.objects.exists()


@pytest.mark.django_db
def test_one_quote_cited_with_two_voices_fails_the_load_naming_both(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    text = path.read_text()
    first = text.index('quote: "the lawyer was beaten by guards before he died"')
    second = text.index("voice: own", text.index('quote: "the lawyer', first + 1))
    path.write_text(
        text[:second] + "voice: paraphrase\n            speaker: ministry" + text[second + 10 :]
    )
    with pytest.raises(LedgerFileError, match="one quote has one voice"):
        load_ledger(path)


def with_speakers(path: Path, speakers: str) -> None:
    """Replace the file's speakers section."""
    text = path.read_text()
    start, end = text.index("speakers:\n"), text.index("sources:\n")
    path.write_text(text[:start] + speakers + text[end:])


@pytest.mark.django_db
def test_affiliations_load_and_a_loop_fails_the_load_naming_it(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    with_speakers(
        path,
        """speakers:
  - slug: ministry
    name: The Ministry
    affiliation: government
  - slug: government
    name: The Government
""",
    )
    load_ledger(path)
    ministry = Speaker.objects.get(slug="ministry")
    assert ministry.affiliation.slug == "government"
    assert ministry.voice_root_name == "The Government"

    with_speakers(
        path,
        """speakers:
  - slug: ministry
    name: The Ministry
    affiliation: government
  - slug: government
    name: The Government
    affiliation: ministry
""",
    )
    with pytest.raises(LedgerFileError, match="ministry → government → ministry"):
        load_ledger(path)


@pytest.mark.django_db
def test_a_quote_dropped_from_the_file_is_taken_away_by_a_reviewed_correction(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    load_ledger(path)
    beaten = Claim.objects.get(slug="beaten")
    assert beaten.evidence.count() == 2
    text = path.read_text()
    dropped = """          - source: paper-report
            quote: "the lawyer was beaten by guards before he died"
            stance: supports
            voice: own
"""
    start = text.index("      - slug: beaten")
    path.write_text(text[:start] + text[start:].replace(dropped, "", 1))

    report = load_ledger(path)

    beaten.refresh_from_db()
    assert beaten.evidence.count() == 1
    assert report.counts["evidence"]["removed"] == 1
    event = beaten.review_events.last()
    assert event.action == ReviewEvent.Action.CORRECT  # on the claim's public record
    assert load_ledger(path).changed() == 0


@pytest.mark.django_db
def test_a_published_claim_left_out_of_the_file_must_be_withdrawn_with_a_reason(ledger_dir):
    path = ledger_dir / "ledger.yaml"
    load_ledger(path)
    text = path.read_text()
    start = text.index("      - slug: beaten")
    path.write_text(text[:start].rstrip("\n") + "\n")
    with pytest.raises(LedgerFileError, match="'beaten'.*list it under `withdrawn:`"):
        load_ledger(path)
    assert Claim.objects.get(slug="beaten").review_state == ReviewState.PUBLISHED

    reason = "Merged into the heart-failure claim in review."
    path.write_text(path.read_text() + f"withdrawn:\n  - slug: beaten\n    reason: {reason}\n")
    report = load_ledger(path)
    beaten = Claim.objects.get(slug="beaten")
    assert beaten.review_state == ReviewState.WITHDRAWN
    assert beaten.review_events.last().comment == reason
    assert report.counts["claims"]["withdrawn"] == 1
    assert load_ledger(path).changed() == 0
