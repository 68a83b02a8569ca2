"""Quote anchoring: a quote is tied to exactly one span of its source, or refused with a reason."""

import difflib

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from claims.rules import anchoring
from claims.rules.anchoring import (
    CANDIDATES_OFFERED,
    MAX_QUOTE_LENGTH,
    MESSAGE_EMPTY,
    EmptyQuote,
    QuoteAmbiguous,
    QuoteNotFound,
    QuoteTooLong,
    anchor,
    normalise,
)

TEXT = (
    "Putin claimed that Magnitsky was not tortured, "
    "but \u201cdied from a\u00a0heart attack.\u201d\n\n"
    "Sergei Magnitsky\u2019s case \u2014 and the impunity of officials \u2014 became a symbol. "
    "Sergei Magnitsky was a lawyer. Sergei Magnitsky was 37."
)


def test_exact_quote_gives_its_offsets():
    found = anchor(TEXT, "became a symbol")
    assert TEXT[found.start : found.end] == "became a symbol"
    assert found.exact == "became a symbol"
    assert not found.normalised


def test_exact_quote_records_context_to_refind_it():
    found = anchor(TEXT, "became a symbol")
    assert TEXT.endswith(found.suffix) or TEXT[found.end :].startswith(found.suffix)
    assert TEXT[: found.start].endswith(found.prefix)
    assert found.prefix.endswith("officials \u2014 ")


@pytest.mark.parametrize(
    "typed",
    [
        'but "died from a heart attack."',  # straight quotes, ordinary space
        "but \u201cdied from a heart attack.\u201d",  # curly quotes, ordinary space
        'but "died  from a\nheart attack."',  # a line break and doubled spaces
        "Sergei Magnitsky's case - and the impunity",  # straight apostrophe, hyphen for em dash
        "Sergei Magnitsky\u2019s case \u2013 and the impunity",  # en dash for em dash
        "  became a symbol  ",  # stray spaces around a paste
        "became a sym\u200bbol",  # a zero-width space picked up by copy and paste
    ],
)
def test_typographic_variants_anchor_to_the_sources_own_text(typed):
    found = anchor(TEXT, typed)
    assert TEXT[found.start : found.end] == found.exact
    assert normalise(found.exact).text == normalise(typed).text.strip()
    # What is stored is the source's text, with its own quotation marks and dashes.
    assert found.exact in TEXT


def test_normalised_match_stores_source_characters_not_typed_ones():
    found = anchor(TEXT, 'but "died from a heart attack."')
    assert found.normalised
    assert found.exact == "but \u201cdied from a\u00a0heart attack.\u201d"


def test_repeated_quote_is_refused_with_the_number_of_occurrences():
    with pytest.raises(QuoteAmbiguous) as refused:
        anchor(TEXT, "Sergei Magnitsky was")
    assert "occurs 2 times" in refused.value.message
    assert refused.value.occurrences == [
        TEXT.index("Sergei Magnitsky was"),
        TEXT.rindex("Sergei Magnitsky was"),
    ]


def test_a_repeated_quote_offers_each_occurrence_in_its_context_to_choose_from():
    with pytest.raises(QuoteAmbiguous) as refused:
        anchor(TEXT, "Sergei Magnitsky was")
    second = refused.value.candidates[1]
    assert second.start == TEXT.rindex("Sergei Magnitsky was")
    assert TEXT[second.start - len(second.prefix) : second.end + len(second.suffix)] == (
        second.prefix + "Sergei Magnitsky was" + second.suffix
    )
    assert anchor(TEXT, "Sergei Magnitsky was", near=second.start) == second


def test_a_word_found_thousands_of_times_offers_the_first_fifty_and_counts_them_all():
    text = "word and " * 3_000
    with pytest.raises(QuoteAmbiguous) as refused:
        anchor(text, "word")
    assert "occurs 3000 times" in refused.value.message
    assert len(refused.value.occurrences) == 3_000
    assert len(refused.value.candidates) == CANDIDATES_OFFERED


def test_repeated_quote_is_chosen_by_the_text_before_it():
    found = anchor(TEXT, "Sergei Magnitsky was", prefix="a lawyer. ")
    assert found.start == TEXT.rindex("Sergei Magnitsky was")


def test_repeated_quote_is_chosen_by_an_offset_hint():
    second = TEXT.rindex("Sergei Magnitsky was")
    assert anchor(TEXT, "Sergei Magnitsky was", near=second - 3).start == second
    first = TEXT.index("Sergei Magnitsky was")
    assert anchor(TEXT, "Sergei Magnitsky was", near=0).start == first


def test_prefix_that_matches_no_occurrence_is_refused():
    with pytest.raises(QuoteAmbiguous) as refused:
        anchor(TEXT, "Sergei Magnitsky was", prefix="nowhere in the text")
    assert "none of them comes right after" in refused.value.message


def test_missing_quote_is_refused_with_the_nearest_real_passage():
    with pytest.raises(QuoteNotFound) as refused:
        anchor(TEXT, "Putin claimed Magnitsky was not tortured but died of a heart attack")
    nearest = refused.value.nearest
    assert nearest is not None
    assert "claimed that Magnitsky was not tortured" in nearest.text
    assert 0.6 < nearest.similarity < 1
    assert TEXT[nearest.start : nearest.end] == nearest.text
    assert "nearest passage" in refused.value.message
    assert "% similar" in refused.value.message


def test_paraphrase_is_never_stored():
    with pytest.raises(QuoteNotFound):
        anchor(TEXT, "Magnitsky was a tax lawyer.")


def test_unrelated_quote_says_nothing_resembles_it():
    with pytest.raises(QuoteNotFound) as refused:
        anchor(TEXT, "zzzz qqqq xxxx")
    assert refused.value.nearest is None
    assert "Nothing in the source resembles it" in refused.value.message


@pytest.mark.parametrize("quote", ["", "   ", "\n\u00a0\u200b"])
def test_empty_quote_is_refused(quote):
    with pytest.raises(EmptyQuote, match=MESSAGE_EMPTY):
        anchor(TEXT, quote)


# A small alphabet makes repeats and near-misses common, which is where anchoring gets hard.
texts = st.text(alphabet="ab c\u2019'\u2014-\n\u00a0.", min_size=1, max_size=120)


@given(text=texts, data=st.data())
def test_any_substring_of_a_source_anchors_to_itself(text, data):
    start = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(text)))
    quote = text[start:end]
    assume(normalise(quote).text.strip())
    found = anchor(text, quote, near=start)
    assert (found.start, found.end) == (start, end)
    assert found.exact == quote


@given(text=texts, quote=st.text(alphabet="abcxyz '\u2019\"-", min_size=1, max_size=20))
def test_a_quote_not_in_the_source_is_always_refused(text, quote):
    assume(normalise(quote).text.strip())
    assume(normalise(quote).text.strip() not in normalise(text).text)
    with pytest.raises(QuoteNotFound):
        anchor(text, quote)


@given(text=texts, quote=st.text(alphabet="ab c'-.", min_size=1, max_size=12))
def test_whatever_anchors_is_the_sources_text_and_reads_as_the_quote(text, quote):
    try:
        found = anchor(text, quote, near=0)
    except (QuoteNotFound, QuoteAmbiguous, EmptyQuote):
        return
    assert text[found.start : found.end] == found.exact
    assert normalise(found.exact).text.strip() == normalise(quote).text.strip()


# -- the cost of a miss is bounded --------------------------------------------------------------


def test_a_quote_longer_than_the_limit_is_refused_saying_the_limit():
    with pytest.raises(QuoteTooLong) as refused:
        anchor(TEXT, "a" * (MAX_QUOTE_LENGTH + 1))
    assert f"at most {MAX_QUOTE_LENGTH:,}" in refused.value.message


ADVERSARIAL_MISSES = [
    pytest.param("a" * 1_000_000, "a" * 2_000 + "b", id="1 MB of one letter"),
    pytest.param(" the" * 250_000, " the" * 1_200 + " thx", id="1 MB of one word"),
    pytest.param(
        "".join(f"M{n:06d}" + "a" * 500 for n in range(2_000)),
        "M000100" + "a" * 398 + "b",
        id="repeated blocks with markers",
    ),
    pytest.param(
        "".join(f"w{n} ab " for n in range(150_000)), "w7 ab w8 ab w9 ab " * 200, id="many words"
    ),
]


@pytest.mark.parametrize(("text", "quote"), ADVERSARIAL_MISSES)
def test_the_nearest_passage_search_does_bounded_work_whatever_the_input(text, quote, monkeypatch):
    """Counted, not timed: every comparison is of a bounded size, and there are few of them."""
    compared, scans = [], []
    real_matcher, real_occurrences = difflib.SequenceMatcher, anchoring._occurrences

    def matcher(junk, a, b, autojunk=True):
        compared.append((len(a), len(b)))
        return real_matcher(junk, a, b, autojunk=autojunk)

    def occurrences(haystack, needle, limit=None):
        scans.append(limit)
        return real_occurrences(haystack, needle, limit)

    monkeypatch.setattr(anchoring.difflib, "SequenceMatcher", matcher)
    monkeypatch.setattr(anchoring, "_occurrences", occurrences)
    anchoring.nearest_passage(text, quote)

    longest_window = anchoring._COMPARED * 3 // 2 + 16 + 2 * anchoring._LONGEST_WORD
    assert len(compared) <= 2 * anchoring._CANDIDATES
    assert all(a <= anchoring._COMPARED and b <= longest_window for a, b in compared)
    assert len(scans) <= anchoring._SAMPLES + 1
    assert all(limit == anchoring._COMMON + 1 for limit in scans)
