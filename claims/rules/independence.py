"""Who counts as independent of whom, decided once (no database here).

Voices form a forest: a speaker may belong to an organisation (Bill Browder to Hermitage Capital
Management), a publisher may be part of another (the campaign sites to Hermitage) or speak for an
organisation (the Norwegian Helsinki Committee's site for the committee). Every voice counts as
the top of its tree, its *root*; voices with one root count once.

Nodes are plain keys (`speaker_key`, `publisher_key`), and a node's parent is its affiliation.
`claims.services.voices` stores each node's root, so that the SQL twin of the status rule reads it
in a join; `verify_ledger` recomputes them here and compares.
"""

from __future__ import annotations

from collections.abc import Mapping


def speaker_key(pk: int) -> str:
    return f"speaker:{pk}"


def publisher_key(pk: int) -> str:
    return f"publisher:{pk}"


class AffiliationLoop(ValueError):
    """An affiliation that would make a voice belong, in the end, to itself."""

    def __init__(self, loop: list[str]):
        self.loop = loop
        super().__init__(" → ".join(loop))


def roots(parents: Mapping[str, str | None]) -> dict[str, str]:
    """Each node's root: follow parents until a node has none.

    Raises `AffiliationLoop` (with the nodes of the loop) if following parents comes back to a
    node already on the path; a parent that is not itself a node is treated as a root.
    """
    found: dict[str, str] = {}
    for start in parents:
        path: list[str] = []
        on_path: set[str] = set()
        node = start
        while node not in found:
            if node in on_path:
                loop = path[path.index(node) :] + [node]
                raise AffiliationLoop(loop)
            path.append(node)
            on_path.add(node)
            parent = parents.get(node)
            if parent is None:
                found[node] = node
                break
            node = parent
        root = found[node]
        for visited in path:
            found[visited] = root
    return found


def loop_if(parents: Mapping[str, str | None], node: str, parent: str | None) -> list[str] | None:
    """The loop that giving `node` this `parent` would close, or None if it closes none."""
    if parent is None:
        return None
    path = [node]
    current: str | None = parent
    seen = {node}
    while current is not None:
        path.append(current)
        if current in seen:
            return path[path.index(current) :]
        seen.add(current)
        current = parents.get(current)
    return None
