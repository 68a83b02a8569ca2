"""Search as a reader uses it: words however they were typed, phrases, ranked results, and the
match shown in context. The same behaviour on SQLite (FTS5) and PostgreSQL (full-text search)."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims import services
from claims.ops.search_index import ensure_search_index, search_index_problems
from claims.reads.search import search
from claims.rules import search_terms
from tests import factories

pytestmark = pytest.mark.django_db

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 index")


def found(query: str) -> dict[str, list[str]]:
    results = search(query)
    return {
        "claims": [claim.text for claim in results.claims],
        "quotes": [excerpt.text for excerpt in results.excerpts],
        "sources": [source.title for source in results.sources],
    }


def test_straight_and_curly_apostrophes_are_the_same_word(seeded_ledger):
    straight = found("Putin's public")
    assert straight["quotes"] or straight["sources"]
    assert found("Putin’s public") == straight
    assert found("PUTIN’S Public") == straight


def test_a_quoted_phrase_finds_the_words_in_that_order(seeded_ledger):
    phrase = found('"died from a heart attack"')
    # (The source has no-break spaces between some of these words: still the phrase.)
    assert any("died from a heart attack" in " ".join(q.split()) for q in phrase["quotes"])
    assert found('"attack heart a from died"') == {"claims": [], "quotes": [], "sources": []}
    # Curly quotation marks around a phrase work as straight ones.
    assert found("“died from a heart attack”") == phrase


def test_words_are_matched_by_their_stem(seeded_ledger):
    assert found("sanction")["claims"] == found("sanctions")["claims"] != []


def test_results_are_ranked_by_how_well_they_match(db):
    source = factories.source("A report on sanctions.")
    once = factories.claim(
        "The committee discussed budgets, schedules, travel, staffing and, once, sanctions."
    )
    often = factories.claim("Sanctions, sanctions and more sanctions.")
    for claim in (once, often):
        factories.evidence(claim, source, "A report on sanctions.")
    ranked = [claim.pk for claim in search("sanctions").claims]
    assert ranked.index(often.pk) < ranked.index(once.pk)


def test_a_hit_shows_its_match_in_context_without_cutting_words(client, seeded_ledger):
    results = search("Kislyak")
    source = results.sources[0]
    pieces = source.passage
    shown = "".join(text for text, _ in pieces)
    assert [text for text, matched in pieces if matched] == ["Kislyak"] * sum(
        1 for _, matched in pieces if matched
    )
    assert len(shown) <= search_terms.PASSAGE_LENGTH + 4  # and the ellipses
    inner = shown.strip("… ")
    assert inner in source.text  # a real stretch of the text...
    start = source.text.index(inner)
    end = start + len(inner)
    # ...that starts and ends on word boundaries.
    assert start == 0 or not source.text[start - 1].isalnum()
    assert end == len(source.text) or not source.text[end].isalnum()
    page = client.get("/search/?q=Kislyak").content.decode()
    assert "<mark><bdi>Kislyak</bdi></mark>" in page


def test_highlighting_follows_stems_and_phrases():
    terms = search_terms.parse('"heart attack" died')
    pieces = search_terms.passage("He dies; it was a heart attack, not a heart.", terms)
    assert [text for text, matched in pieces if matched] == ["dies", "heart attack"]


def test_punctuation_alone_asks_for_nothing(client, seeded_ledger):
    assert search("!!! ??? ---").total == 0
    assert client.get("/api/v1/claims/?q=%21%21%21").json()["results"] == []


def test_a_very_long_query_is_cut_not_refused(client, seeded_ledger):
    response = client.get("/search/", {"q": " ".join(["magnitsky"] * 1_100)})
    assert response.status_code == 200


# -- the SQLite index keeps up with every write -------------------------------------------------


@on_sqlite
def test_the_index_follows_edits_and_deletions(editor):
    claim = services.claim_create(text="A draft about zebras.", by=editor)
    assert search_index_matches("zebras") == [claim.pk]
    services.claim_update(
        claim=claim, by=editor, expected_version=claim.version, text="A draft about giraffes."
    )
    claim.refresh_from_db()
    assert search_index_matches("zebras") == []
    assert search_index_matches("giraffes") == [claim.pk]
    services.claim_delete(claim=claim, by=editor, expected_version=claim.version)
    assert search_index_matches("giraffes") == []
    assert search_index_problems(connection) == []


def search_index_matches(word: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM claims_claim_fts WHERE claims_claim_fts MATCH %s", [word])
        return [row[0] for row in cursor.fetchall()]


@on_sqlite
def test_a_lost_trigger_is_remade_and_the_index_rebuilt_after_migrate(editor, capsys):
    claim = services.claim_create(text="Before the rebuild.", by=editor)
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER claims_claim_fts_update")
    problems = search_index_problems(connection)
    assert problems == ["search index trigger claims_claim_fts_update is missing"]
    assert ensure_search_index(connection) == ["claims_claim_fts"]
    assert search_index_problems(connection) == []
    assert search_index_matches("rebuild") == [claim.pk]


@on_sqlite
def test_verify_ledger_reports_an_index_out_of_step(seeded_ledger, capsys):
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER claims_excerpt_fts_insert")
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert re.search(r"claims_excerpt_fts_insert is missing", capsys.readouterr().err)


def test_drafts_do_not_reorder_what_the_public_finds(editor):
    # Ranked by bm25, drafts full of "beta" would make it the commoner word, and lift the claim
    # with more "alpha" above the other: an unpublished text reordering a public page.
    source = factories.source("A report on alpha and beta.")
    first = factories.claim("Alpha beta beta beta, in that order.")
    second = factories.claim("Alpha alpha alpha beta, in that order.")
    for claim in (first, second):
        factories.evidence(claim, source, "A report on alpha and beta.")

    def ranked():
        return [
            claim.pk for claim in search("alpha beta").claims if claim.pk in (first.pk, second.pk)
        ]

    before = ranked()
    for number in range(8):
        services.claim_create(text=f"Draft {number}: beta beta beta beta.", by=editor)
    assert ranked() == before
