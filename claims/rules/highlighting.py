"""Cut a source's text into runs for display, marking the runs that excerpts quote."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    text: str
    marked: bool  # some excerpt quotes this run
    anchors: tuple[int, ...]  # ids of excerpts that begin here (for #excerpt-<id> links)


def runs(text: str, spans: Iterable[tuple[int, int, int]]) -> list[Run]:
    """`spans` are (excerpt id, start, end); overlapping excerpts are fine."""
    spans = sorted(spans, key=lambda span: (span[1], span[2]))
    cuts = sorted({0, len(text), *(s for _, s, _ in spans), *(e for _, _, e in spans)})
    result = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        marked = any(s <= start < e for _, s, e in spans)
        anchors = tuple(pk for pk, s, _ in spans if s == start)
        result.append(Run(text[start:end], marked, anchors))
    return result
