"""Find a quoted passage in a source's text, word for word.

This is the only place that decides whether a quote is in a source. The admin, the API, the seed
loader, the ingest command and the tests all call `anchor()`. Pure functions over strings: no ORM.

A quote is found either exactly, or after typographic normalisation (curly vs straight quotes,
dash variants, runs of white space and line breaks, non-breaking spaces, invisible characters).
Either way the result is the offsets of the *source's own text*, so what gets stored is what the
source says, never what the editor typed. The recorded prefix and suffix follow the W3C Web
Annotation TextQuoteSelector; the offsets are its TextPositionSelector.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

# How much text either side of an excerpt is kept to re-find it (TextQuoteSelector prefix/suffix).
CONTEXT_LENGTH = 32

# Characters that word processors, browsers and PDF extraction swap for one another. Each maps to
# the plain ASCII form; a quote matches when both sides agree after the mapping.
_EQUIVALENT_CHARACTERS = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4`", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
# Invisible characters that survive copy and paste: soft hyphen, zero-width spaces and joiners, BOM.
_INVISIBLE_CHARACTERS = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")

MESSAGE_EMPTY = "The quote is empty: paste the exact words of the source."
MESSAGE_NOT_FOUND = (
    "This quote is not in the source, even allowing for differences in quotation marks, "
    "dashes and spacing. A quote must be the source's exact words, never a paraphrase."
)
MESSAGE_NEAREST = (
    "The nearest passage ({similarity:.0%} similar) is at characters {start}–{end}: “{text}”"
)
MESSAGE_NOTHING_NEAR = "Nothing in the source resembles it."
MESSAGE_AMBIGUOUS = (
    "This quote occurs {count} times in the source (at characters {positions}). "
    "Say which one you mean: give the text just before it, or the offset of the one you want, "
    "or quote a longer passage."
)
MESSAGE_NO_OCCURRENCE_AFTER_PREFIX = (
    "This quote occurs {count} times in the source, but none of them comes right after “{prefix}”."
)


class AnchoringError(ValueError):
    """A quote that cannot be tied to exactly one place in the source."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EmptyQuote(AnchoringError):
    """The quote has no words in it."""


@dataclass(frozen=True)
class Passage:
    """A span of the source: the nearest real text to a quote that was not found."""

    start: int
    end: int
    text: str
    similarity: float


class QuoteNotFound(AnchoringError):
    """The quote is not in the source; `nearest` is the closest real passage, if any."""

    def __init__(self, message: str, nearest: Passage | None = None):
        super().__init__(message)
        self.nearest = nearest


class QuoteAmbiguous(AnchoringError):
    """The quote occurs more than once and nothing said which occurrence is meant."""

    def __init__(self, message: str, occurrences: list[int]):
        super().__init__(message)
        self.occurrences = occurrences


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in its source. `exact == text[start:end]` by construction."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    normalised: bool  # True when typographic differences had to be forgiven to find it


@dataclass(frozen=True)
class _NormalisedText:
    """A text after normalisation, with a map from each of its characters back to the original."""

    text: str
    origin: list[int]  # origin[i]: index in the original text of normalised character i

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


@lru_cache(maxsize=16)
def normalise(text: str) -> _NormalisedText:
    """Fold typographic variants and collapse white space, remembering where each character was.

    Cached: an editor or the loader anchors many quotes in the same source one after another,
    and a 100 KB text takes tens of milliseconds to normalise in Python.
    """
    characters: list[str] = []
    origin: list[int] = []
    previous_was_space = False
    for index, character in enumerate(text):
        if character in _INVISIBLE_CHARACTERS:
            continue
        if character.isspace():
            if not previous_was_space:
                characters.append(" ")
                origin.append(index)
            previous_was_space = True
            continue
        previous_was_space = False
        replacement = _EQUIVALENT_CHARACTERS.get(character, character)
        characters.extend(replacement)
        origin.extend([index] * len(replacement))
    return _NormalisedText("".join(characters), origin)


def _occurrences(haystack: str, needle: str) -> list[int]:
    positions = []
    position = haystack.find(needle)
    while position != -1:
        positions.append(position)
        position = haystack.find(needle, position + 1)
    return positions


def _find_spans(text: str, quote: str) -> tuple[list[tuple[int, int]], bool]:
    """Every span of `text` that matches `quote`: exact ones if any, else normalised ones."""
    exact = [(start, start + len(quote)) for start in _occurrences(text, quote)]
    if exact:
        return exact, False
    normalised_quote = normalise(quote).text.strip()
    normalised_text = normalise(text)
    spans = [
        normalised_text.original_span(start, start + len(normalised_quote))
        for start in _occurrences(normalised_text.text, normalised_quote)
    ]
    return spans, True


def _follows(text: str, start: int, prefix: str) -> bool:
    """Whether the text just before `start` ends with `prefix`, allowing typographic variants."""
    wanted = normalise(prefix).text.strip()
    # Normalisation only shortens text (an ellipsis aside), so a generous window is enough.
    window = text[max(0, start - 2 * len(prefix) - 16) : start]
    return normalise(window).text.rstrip().endswith(wanted)


def anchor(
    text: str,
    quote: str,
    *,
    near: int | None = None,
    prefix: str | None = None,
) -> Anchor:
    """Tie `quote` to exactly one span of `text`, or raise an `AnchoringError` that says why.

    `prefix` (the words just before the quote) and `near` (an approximate character offset)
    choose between several occurrences; they are ignored when the quote occurs only once.
    """
    if not normalise(quote).text.strip():
        raise EmptyQuote(MESSAGE_EMPTY)

    spans, was_normalised = _find_spans(text, quote)
    if not spans:
        nearest = nearest_passage(text, quote)
        detail = (
            MESSAGE_NEAREST.format(
                similarity=nearest.similarity,
                start=nearest.start,
                end=nearest.end,
                text=nearest.text,
            )
            if nearest
            else MESSAGE_NOTHING_NEAR
        )
        raise QuoteNotFound(f"{MESSAGE_NOT_FOUND} {detail}", nearest=nearest)

    if len(spans) > 1 and prefix and prefix.strip():
        following = [span for span in spans if _follows(text, span[0], prefix)]
        if not following:
            raise QuoteAmbiguous(
                MESSAGE_NO_OCCURRENCE_AFTER_PREFIX.format(count=len(spans), prefix=prefix.strip()),
                occurrences=[start for start, _ in spans],
            )
        spans = following

    if len(spans) > 1 and near is not None:
        distances = sorted((abs(start - near), (start, end)) for start, end in spans)
        if distances[0][0] != distances[1][0]:
            spans = [distances[0][1]]

    if len(spans) > 1:
        positions = [start for start, _ in spans]
        raise QuoteAmbiguous(
            MESSAGE_AMBIGUOUS.format(count=len(spans), positions=_list_positions(positions)),
            occurrences=positions,
        )

    start, end = spans[0]
    return Anchor(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
        normalised=was_normalised,
    )


def _list_positions(positions: list[int], shown: int = 8) -> str:
    listed = ", ".join(str(position) for position in positions[:shown])
    return listed + (f" and {len(positions) - shown} more" if len(positions) > shown else "")


def span_is_exact(text: str, start: int, end: int, exact: str) -> bool:
    """The excerpt invariant: the stored words are the source's words at the stored offsets."""
    return 0 <= start < end <= len(text) and text[start:end] == exact


# Length of the character n-grams used to find where a mistyped quote probably was.
_NGRAM = 4
# Candidate places considered in full, after the n-gram vote.
_CANDIDATES = 5


def nearest_passage(text: str, quote: str) -> Passage | None:
    """The passage of `text` most like `quote`, for an error message; None if nothing is alike.

    Character n-grams shared by quote and text vote for an alignment (where the quote would
    start); the best few alignments are compared in full with difflib and trimmed to words.
    """
    source = normalise(text)
    haystack = source.text.lower()
    needle = normalise(quote).text.strip().lower()
    if not needle or not haystack:
        return None
    size = min(_NGRAM, len(needle))

    votes: Counter[int] = Counter()
    for offset in range(len(needle) - size + 1):
        for position in _occurrences(haystack, needle[offset : offset + size]):
            # Bucket alignments so that a few inserted or dropped characters still agree.
            votes[(position - offset) // 8] += 1
    if not votes:
        return None

    best: tuple[float, int, int] | None = None
    slack = len(needle) // 4 + 8
    for bucket, _ in votes.most_common(_CANDIDATES):
        window_start = max(0, bucket * 8 - slack)
        window = haystack[window_start : bucket * 8 + len(needle) + slack]
        matcher = difflib.SequenceMatcher(None, needle, window, autojunk=False)
        blocks = [block for block in matcher.get_matching_blocks() if block.size]
        if not blocks:
            continue
        start = window_start + blocks[0].b
        end = window_start + blocks[-1].b + blocks[-1].size
        start, end = _widen_to_words(haystack, start, end)
        similarity = difflib.SequenceMatcher(None, needle, haystack[start:end]).ratio()
        if best is None or similarity > best[0]:
            best = (similarity, start, end)

    if best is None or best[0] < 0.3:
        return None
    similarity, start, end = best
    original_start, original_end = source.original_span(start, end)
    return Passage(
        start=original_start,
        end=original_end,
        text=text[original_start:original_end],
        similarity=similarity,
    )


def _widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Stretch a span so that it neither starts nor ends inside a word, then trim spaces."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, max(end, start + 1)
