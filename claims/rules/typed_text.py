"""What stored text may contain: one rule for every door (admin, API, loader, ingest, services).

- **NUL** (U+0000) is refused everywhere. No document or claim contains it on purpose (it comes
  from a bad copy or conversion) and PostgreSQL cannot store it in text: refusing it here turns
  a crash at `save()` into a message that names the field.
- **Direction controls** (the bidirectional embedding, override and isolate characters,
  U+202A–U+202E and U+2066–U+2069) are refused in text editors type: claims, questions,
  summaries, names, titles, notes, comments. They make text display in an order other than the
  one it is written in (the "Trojan Source" trick), so a claim or a name could read as something
  it does not say; right-to-left words display correctly without them, and the marks U+200E and
  U+200F stay allowed for the rare real need.
- **Other control characters** (C0 and C1, U+0000–U+001F and U+007F–U+009F, except tab, line
  feed and carriage return) are refused in typed text: no one types them, and XML (the Atom
  feed, sitemaps) cannot carry them. Pages and the feed drop them from a source's own words
  (`printable`) rather than fail.
- **Typed text needs something visible**: a value made only of spaces and invisible characters
  (zero-width spaces, joiners) would show as nothing, so it is refused where text is given.
- **A slug is not a number**: `/claims/<id>/` and other short links take numbers, so a slug made
  only of digits would take over another record's address.
- **A source's own words are kept exactly** (its SHA-256 and every quote's offsets depend on
  them, and a right-to-left document may use direction controls legitimately), so its text, its
  excerpts and its item headings may carry direction controls. Pages show such words inside
  `<bdi>` (or a block of their own), so that they cannot reorder the page around them.
"""

from __future__ import annotations

import re
import unicodedata

NULL_CHARACTER = "\x00"
DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Django's wording (ProhibitNullCharactersValidator, which forms and DRF fields apply), so the
# admin, the API and the services say the same thing.
MESSAGE_NULL_CHARACTER = "Null characters are not allowed."
MESSAGE_CONTROL_CHARACTER = (
    "This text contains control characters ({names}): remove them; they come from a bad copy or "
    "conversion and cannot be shown or sent in a feed."
)
MESSAGE_NOTHING_VISIBLE = (
    "This text has no visible character (only spaces or invisible characters such as zero-width "
    "spaces). Write the words, or leave the field empty."
)
MESSAGE_NUMERIC_SLUG = (
    "A slug cannot be made only of digits: numbers in addresses are record ids. Add a word."
)
MESSAGE_DIRECTION_CONTROL = (
    "This text contains {names}: invisible characters that make text display in a different "
    "order from the one it is written in. Remove them; right-to-left words display correctly "
    "without them."
)


# Control characters that text may carry: tab and the line ends.
ALLOWED_CONTROLS = frozenset("\t\n\r")
_CONTROLS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _is_visible(character: str) -> bool:
    return not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf")


def problems(value: str, *, verbatim: bool = False) -> list[str]:
    """Why `value` cannot be stored; empty when it can. `verbatim` text is a source's own words."""
    found = []
    if NULL_CHARACTER in value:
        found.append(MESSAGE_NULL_CHARACTER)
    if verbatim:
        return found
    controls = sorted(set(_CONTROLS.findall(value)))
    if controls:
        names = ", ".join(f"U+{ord(c):04X}" for c in controls)
        found.append(MESSAGE_CONTROL_CHARACTER.format(names=names))
    directions = sorted(DIRECTION_CONTROLS.intersection(value))
    if directions:
        names = ", ".join(f"U+{ord(c):04X} ({unicodedata.name(c)})" for c in directions)
        found.append(MESSAGE_DIRECTION_CONTROL.format(names=names))
    if value and not any(_is_visible(c) for c in value):
        found.append(MESSAGE_NOTHING_VISIBLE)
    return found


def slug_problems(value: str) -> list[str]:
    """Why `value` cannot be a slug, beyond Django's own slug rule."""
    return [MESSAGE_NUMERIC_SLUG] if value.isdigit() else []


def with_normalised_line_ends(text: str) -> str:
    """A document's text with its line ends as browsers give them back: \\n only.

    Text pasted from Windows arrives with \\r\\n; a browser shows and selects it without the
    \\r, so every position it reports would drift by one character per line break.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def printable(value: str) -> str:
    """A source's own words without the control characters XML and pages cannot carry."""
    return _CONTROLS.sub("", value.replace(NULL_CHARACTER, ""))


def without_direction_controls(value: str) -> str:
    """`value` with its direction controls removed: for text typed to look for, not to store."""
    return "".join(c for c in value if c not in DIRECTION_CONTROLS)


# First Strong Isolate … Pop Directional Isolate: the plain-text twin of HTML's <bdi>.
FSI, PDI = "\u2068", "\u2069"


def isolated(value: str) -> str:
    """A source's own words, isolated for plain-text displays (admin lists, choices, messages)
    when they carry direction controls, so that those cannot reorder what follows them."""
    return f"{FSI}{value}{PDI}" if DIRECTION_CONTROLS.intersection(value) else value
