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

import bisect
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

# How much text either side of an excerpt is kept to re-find it (TextQuoteSelector prefix/suffix).
CONTEXT_LENGTH = 32
# Occurrences of an ambiguous quote offered, in context, to choose from.
CANDIDATES_OFFERED = 50

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
# Long enough for any passage a claim rests on (the curated ledger's longest is under 500); a
# longer one is better cut into the sentences that matter.
MAX_QUOTE_LENGTH = 5_000
MESSAGE_TOO_LONG = (
    "This quote is {length:,} characters long; a quote can be at most {limit:,}. Quote the "
    "sentences the claim rests on, as one or several shorter quotes."
)
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
    "Say which one you mean: choose one of these positions, give the words just before it, "
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


class QuoteTooLong(AnchoringError):
    """The quote is longer than `MAX_QUOTE_LENGTH`."""


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
    """The quote occurs more than once and nothing said which occurrence is meant.

    `occurrences` are the start offsets of all of them; `candidates` the first
    `CANDIDATES_OFFERED` with the words around each, for an editor to choose from (a word that
    occurs thousands of times is better answered by a longer quote than by a list).
    """

    def __init__(self, message: str, text: str, spans: list[tuple[int, int]], normalised: bool):
        super().__init__(message)
        self.occurrences = [start for start, _ in spans]
        self.candidates = [
            _anchor_at(text, span, normalised) for span in spans[:CANDIDATES_OFFERED]
        ]


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in its source. `exact == text[start:end]` by construction."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    normalised: bool  # True when typographic differences had to be forgiven to find it


# What normalisation changes: a run of white space, an invisible character, a typographic variant
# (variants that stand for one character each are taken a run at a time, by one translation).
_ONE_FOR_ONE = {old: new for old, new in _EQUIVALENT_CHARACTERS.items() if len(new) == 1}
_FOLD = str.maketrans(
    {**_EQUIVALENT_CHARACTERS, **dict.fromkeys(_INVISIBLE_CHARACTERS)}  # None deletes
)
_ONE_FOR_ONE_FOLD = str.maketrans(_ONE_FOR_ONE)
_INVISIBLE = re.escape("".join(_INVISIBLE_CHARACTERS))
_VARIANTS = re.escape("".join(_ONE_FOR_ONE))
_EXPANDED = "|".join(re.escape(old) for old in _EQUIVALENT_CHARACTERS if old not in _ONE_FOR_ONE)
_SPECIAL = re.compile(rf"\s+|[{_INVISIBLE}]|[{_VARIANTS}]+|{_EXPANDED}")
# The same, when the text has no invisible character: a single plain space then needs no change,
# and prose has one between every two words, so leaving it alone keeps the work proportional to
# what actually changes.
_SPECIAL_VISIBLE = re.compile(rf"\s{{2,}}|[^\S ]|[{_VARIANTS}]+|{_EXPANDED}")
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_WHITE_SPACE = re.compile(r"\s+")


def fold_variants(text: str) -> str:
    """`text` with typographic variants in their plain form and invisible characters dropped
    (white space as it was): how search reads a query, as anchoring reads a quote."""
    return text.translate(_FOLD)


class _NormalisedText:
    """A text after normalisation, and a map from its characters back to the original.

    The normalised text is made at C speed (one translation, one substitution), so that a quote
    that is not in a large source costs little. The map is built only when a span has to be
    traced back (a quote found after normalisation), and kept as runs rather than per character:
    `starts[k]` is where run k begins in the normalised text, `origins[k]` where it came from,
    and `steps[k]` is 1 for a run copied character for character, 0 for one that stands for a
    single original character or a run of white space.
    """

    def __init__(self, original: str):
        self.original = original
        self.text = _WHITE_SPACE.sub(" ", original.translate(_FOLD))

    @cached_property
    def _runs(self) -> tuple[list[int], list[int], list[int]]:
        text = self.original
        starts: list[int] = []
        origins: list[int] = []
        steps: list[int] = []
        length = 0
        copied_from = 0
        after_space = False  # the last run written is a collapsed space
        special = _SPECIAL if _HAS_INVISIBLE.search(text) else _SPECIAL_VISIBLE
        for match in special.finditer(text):
            begin, found = match.start(), match.group()
            if begin > copied_from:
                starts.append(length)
                origins.append(copied_from)
                steps.append(1)
                length += begin - copied_from
                after_space = False
            copied_from = match.end()
            if found in _INVISIBLE_CHARACTERS:
                continue
            if found[0].isspace():
                if after_space:
                    continue  # white space split by an invisible character is still one space
                size, step, after_space = 1, 0, True
            elif found[0] in _ONE_FOR_ONE:
                size, step, after_space = len(found), 1, False
            else:
                size, step, after_space = len(_EQUIVALENT_CHARACTERS[found]), 0, False
            starts.append(length)
            origins.append(begin)
            steps.append(step)
            length += size
        if copied_from < len(text):
            starts.append(length)
            origins.append(copied_from)
            steps.append(1)
        return starts, origins, steps

    @cached_property
    def folded(self) -> str:
        """The normalised text in lower case, for the nearest-passage search (same offsets)."""
        folded = self.text.lower()
        # Lower-casing can change a text's length (a dotted capital I); never search such a copy.
        return folded if len(folded) == len(self.text) else self.text

    def origin(self, index: int) -> int:
        """Where the normalised character at `index` came from in the original text."""
        starts, origins, steps = self._runs
        run = bisect.bisect_right(starts, index) - 1
        return origins[run] + steps[run] * (index - starts[run])

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin(start), self.origin(end - 1) + 1


@lru_cache(maxsize=16)
def normalise(text: str) -> _NormalisedText:
    """Fold typographic variants, drop invisible characters and collapse white space.

    Cached: an editor or the loader anchors many quotes in the same source one after another.
    """
    return _NormalisedText(text)


def _occurrences(haystack: str, needle: str, limit: int | None = None) -> list[int]:
    """Where `needle` occurs in `haystack` (at most `limit` places, if given)."""
    positions = []
    position = haystack.find(needle)
    while position != -1 and (limit is None or len(positions) < limit):
        positions.append(position)
        position = haystack.find(needle, position + 1)
    return positions


def _find_spans(text: str, quote: str) -> tuple[list[tuple[int, int]], bool]:
    """Every span of `text` that matches `quote`: exact ones if any, else normalised ones."""
    exact = [(start, start + len(quote)) for start in _occurrences(text, quote)]
    if exact:
        return exact, False
    normalised_quote = _NormalisedText(quote).text.strip()
    normalised_text = normalise(text)
    spans = [
        normalised_text.original_span(start, start + len(normalised_quote))
        for start in _occurrences(normalised_text.text, normalised_quote)
    ]
    return spans, True


def _follows(text: str, start: int, prefix: str) -> bool:
    """Whether the text just before `start` ends with `prefix`, allowing typographic variants."""
    wanted = _NormalisedText(prefix).text.strip()
    # Normalisation only shortens text (an ellipsis aside), so a generous window is enough.
    window = text[max(0, start - 2 * len(prefix) - 16) : start]
    return _NormalisedText(window).text.rstrip().endswith(wanted)


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
    if len(quote) > MAX_QUOTE_LENGTH:
        raise QuoteTooLong(MESSAGE_TOO_LONG.format(length=len(quote), limit=MAX_QUOTE_LENGTH))
    if not _NormalisedText(quote).text.strip():
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
                text=text,
                spans=spans,
                normalised=was_normalised,
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
            text=text,
            spans=spans,
            normalised=was_normalised,
        )

    return _anchor_at(text, spans[0], was_normalised)


def _anchor_at(text: str, span: tuple[int, int], normalised: bool) -> Anchor:
    start, end = span
    return Anchor(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
        normalised=normalised,
    )


def _list_positions(positions: list[int], shown: int = 8) -> str:
    listed = ", ".join(str(position) for position in positions[:shown])
    return listed + (f" and {len(positions) - shown} more" if len(positions) > shown else "")


def stored_offset(text: str, shown: int) -> int:
    """The offset in `text` of the character a browser shows at `shown`.

    A browser drops the \\r of every \\r\\n (HTML normalises line ends), so in a text stored
    with them its positions run one short per line break before them. New texts are stored with
    \\n only; this keeps positions exact in older ones.
    """
    offset = shown
    for line_end in re.finditer("\r\n", text):
        if line_end.start() >= offset:
            break
        offset += 1
    return offset


def span_is_exact(text: str, start: int, end: int, exact: str) -> bool:
    """The excerpt invariant: the stored words are the source's words at the stored offsets."""
    return 0 <= start < end <= len(text) and text[start:end] == exact


# The nearest-passage search is an error message, so its cost is bounded whatever the input:
# it compares at most the first _COMPARED characters of the quote, votes with at most _SAMPLES
# chunks of it, ignores a chunk found more than _COMMON times (it says nothing about where the
# quote was), and aligns at most _CANDIDATES places in full. Its work is then at most
# _SAMPLES scans of the text (C speed) plus _CANDIDATES alignments of _COMPARED characters.
_COMPARED = 400
_CHUNK = 8
_SAMPLES = 48
_COMMON = 64
_CANDIDATES = 4


def nearest_passage(text: str, quote: str) -> Passage | None:
    """The passage of `text` most like `quote`, for an error message; None if nothing is alike.

    Chunks of the quote found in the text vote for an alignment (where the quote would start);
    the best few alignments are compared in full with difflib and trimmed to words. A quote
    longer than `_COMPARED` characters is compared by its beginning.
    """
    source = normalise(text)
    haystack = source.folded
    needle = _NormalisedText(quote).text.strip().lower()[:_COMPARED]
    if not needle or not haystack:
        return None
    size = min(_CHUNK, len(needle))
    last = len(needle) - size
    offsets = sorted({last * k // max(1, _SAMPLES - 1) for k in range(_SAMPLES)})

    votes: Counter[int] = Counter()
    for offset in offsets:
        positions = _occurrences(haystack, needle[offset : offset + size], limit=_COMMON + 1)
        if len(positions) > _COMMON:
            continue
        for position in positions:
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
        similarity = difflib.SequenceMatcher(
            None, needle, haystack[start:end], autojunk=False
        ).ratio()
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


# A word longer than this is not widened to its end (a text with no spaces is one "word").
_LONGEST_WORD = 40


def _widen_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Stretch a span so that it neither starts nor ends inside a word, then trim spaces."""
    floor, ceiling = max(0, start - _LONGEST_WORD), min(len(text), end + _LONGEST_WORD)
    while start > floor and not text[start - 1].isspace():
        start -= 1
    while end < ceiling and not text[end].isspace():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, max(end, start + 1)
