"""Load a curated ledger file (YAML) into the database, through the service layer.

The file is meant to be read and reviewed in a pull request: sources with their metadata,
speakers, disputes, claims, and each piece of evidence as a quote *in text* with its stance.
Every quote is anchored with `claims.rules.anchoring`; one that does not anchor stops the load,
names itself, and nothing is saved. Loading the same file twice changes nothing, not even history.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from claims import services
from claims.choices import ReviewAction as Action
from claims.choices import VoiceKind
from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    ReviewState,
    Source,
    SourceItem,
    Speaker,
)
from claims.rules import anchoring, typed_text

SUPPORTED_VERSIONS = {1}
MANIFEST_NAME = "SHA256SUMS"


class LedgerFileError(Exception):
    """The ledger file cannot be loaded as it is; the message says where and why."""


@dataclass
class LoadReport:
    """What a load did, by kind of record: created, updated, unchanged (evidence also removed,
    claims also withdrawn)."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def record(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def changed(self) -> int:
        return sum(
            c["created"] + c["updated"] + c["removed"] + c["withdrawn"]
            for c in self.counts.values()
        )

    def lines(self) -> list[str]:
        lines = []
        for kind, c in self.counts.items():
            line = f"{kind}: {c['created']} created, {c['updated']} updated, "
            line += f"{c['unchanged']} unchanged"
            extra = [
                f"{c[outcome]} {outcome}" for outcome in ("removed", "withdrawn") if c[outcome]
            ]
            lines.append(", ".join([line, *extra]))
        return lines


def read_manifest(seeds_dir: Path) -> dict[str, str]:
    """The expected SHA-256 of each seed document, from a `sha256sum`-style manifest."""
    manifest = seeds_dir / MANIFEST_NAME
    if not manifest.exists():
        return {}
    expected = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            expected[name.lstrip("*")] = digest
    return expected


def read_document(seeds_dir: Path, filename: str, manifest: dict[str, str]) -> str:
    """A seed document's text, after checking its bytes against the manifest."""
    path = seeds_dir / filename
    if not path.is_file():
        raise LedgerFileError(f"Source file {filename!r} is not in {seeds_dir.name}/.")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if filename in manifest and manifest[filename] != digest:
        raise LedgerFileError(
            f"Source file {filename!r} does not match {MANIFEST_NAME}: "
            f"expected {manifest[filename]}, found {digest}. Seed documents must stay "
            "byte-identical to what was curated."
        )
    return typed_text.with_normalised_line_ends(data.decode("utf-8"))


def load_ledger(path: Path, *, seeds_dir: Path | None = None) -> LoadReport:
    """Load the ledger file at `path`; its documents are resolved relative to `seeds_dir`."""
    path = Path(path)
    seeds_dir = Path(seeds_dir or path.parent)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise LedgerFileError(f"{path.name} is not valid YAML: {error}") from error
    if not isinstance(data, dict) or data.get("version") not in SUPPORTED_VERSIONS:
        raise LedgerFileError(
            f"{path.name} must be a mapping with 'version: 1' at the top "
            f"(supported versions: {sorted(SUPPORTED_VERSIONS)})."
        )
    return _Loader(data, seeds_dir, path.name).load()


# Each kind of record the file holds, and the services that create and change it.
CREATE = {
    Publisher: services.publisher_create,
    Speaker: services.speaker_create,
    Source: services.source_create,
    Dispute: services.dispute_create,
}
UPDATE = {
    Publisher: lambda row, **kw: services.publisher_update(publisher=row, **kw),
    Speaker: lambda row, **kw: services.speaker_update(speaker=row, **kw),
    Source: lambda row, **kw: services.source_update(source=row, **kw),
    SourceItem: lambda row, **kw: services.source_item_update(item=row, **kw),
    Dispute: lambda row, **kw: services.dispute_update(dispute=row, **kw),
    Excerpt: lambda row, **kw: services.excerpt_update(excerpt=row, **kw),
}


class _Loader:
    """Writes as the ledger file's author account; what it publishes, and any change it makes to
    public material, is approved by the file's review account (the pull request's review)."""

    def __init__(self, data: dict[str, Any], seeds_dir: Path, filename: str):
        self.data = data
        self.seeds_dir = seeds_dir
        self.filename = filename
        self.report = LoadReport()
        self.publishers: dict[str, Publisher] = {}
        self.speakers: dict[str, Speaker] = {}
        self.sources: dict[str, Source] = {}
        self.author = services.system_account(services.LEDGER_FILE_AUTHOR)
        self.reviewer = services.system_account(services.LEDGER_FILE_REVIEWER)
        self.reviewed = f"Curated in {filename}, reviewed in its pull request."

    @transaction.atomic
    def load(self) -> LoadReport:
        self.check_voices_agree()
        self.load_speakers()
        self.load_publishers()
        self.load_sources()
        self.load_disputes()
        self.withdraw_retired()
        return self.report

    # -- helpers ---------------------------------------------------------------------------

    def fail(self, where: str, reason: str):
        raise LedgerFileError(f"{self.filename}: {where}: {reason}")

    def need(self, entry: dict, key: str, where: str):
        if not isinstance(entry, dict):
            self.fail(where, f"expected a mapping of fields, found {entry!r}")
        value = entry.get(key)
        if value in (None, ""):
            self.fail(where, f"the field {key!r} is required")
        return value

    def lookup(self, table: dict[str, Any], slug: str | None, kind: str, where: str):
        if slug is None:
            return None
        if slug not in table:
            self.fail(where, f"unknown {kind} {slug!r} (known: {', '.join(sorted(table))})")
        return table[slug]

    def change(self, row, fields: dict, where: str, kind: str):
        """Change a row through its service; public material through an approved change."""
        changed = {k: v for k, v in fields.items() if _differs(row, k, v)}
        if not changed:
            self.report.record(kind, "unchanged")
            return row
        try:
            try:
                if type(row) not in UPDATE:
                    # A published claim or its evidence: only ever through a reviewed change.
                    raise services.NeedsReview("published")
                row = UPDATE[type(row)](row, by=self.author, **changed)
            except services.NeedsReview:
                change = services.change_propose(
                    target=row, changes=changed, reason=self.reviewed, by=self.author
                )
                services.change_approve(change=change, by=self.reviewer, comment=self.reviewed)
                row.refresh_from_db()
        except ValidationError as error:
            self.fail(where, "; ".join(error.messages))
        except services.WorkflowError as refused:
            self.fail(where, refused.message)
        self.report.record(kind, "updated")
        return row

    def upsert(self, model: type[models.Model], slug: str, fields: dict, where: str):
        """Create the row with this slug, or change the fields that differ; nothing else."""
        kind = model._meta.verbose_name_plural
        instance = model.objects.filter(slug=slug).first()
        if instance is not None:
            return self.change(instance, fields, where, kind)
        try:
            instance = CREATE[model](slug=slug, by=self.author, **fields)
        except ValidationError as error:
            self.fail(where, "; ".join(error.messages))
        self.report.record(kind, "created")
        return instance

    # -- sections of the file --------------------------------------------------------------

    def load_publishers(self):
        entries = self.data.get("publishers") or []
        # Parents first, so that `part_of` can point at them.
        for entry in sorted(entries, key=lambda e: e.get("part_of") is not None):
            where = f"publisher {entry.get('slug')!r}"
            slug = self.need(entry, "slug", where)
            fields = {
                "name": self.need(entry, "name", where),
                "url": entry.get("url") or "",
                "description": entry.get("description") or "",
                "part_of": self.lookup(self.publishers, entry.get("part_of"), "publisher", where),
                "organisation": self.lookup(
                    self.speakers, entry.get("organisation"), "speaker", where
                ),
            }
            self.publishers[slug] = self.upsert(Publisher, slug, fields, where)

    def load_speakers(self):
        for entry in _parents_first(self.data.get("speakers") or [], "affiliation", self.fail):
            where = f"speaker {entry.get('slug')!r}"
            slug = self.need(entry, "slug", where)
            fields = {
                "name": self.need(entry, "name", where),
                "kind": entry.get("kind") or Speaker.Kind.PERSON,
                "description": entry.get("description") or "",
                "affiliation": self.lookup(
                    self.speakers, entry.get("affiliation"), "speaker", where
                ),
            }
            self.speakers[slug] = self.upsert(Speaker, slug, fields, where)

    def check_voices_agree(self) -> None:
        """One quote is one excerpt: every claim citing it must give it the same voice."""
        seen: dict[tuple, tuple] = {}
        for dispute in self.data.get("disputes") or []:
            for claim in dispute.get("claims") or [] if isinstance(dispute, dict) else []:
                for number, entry in enumerate(claim.get("evidence") or [], start=1):
                    if not isinstance(entry, dict) or entry.get("voice") is None:
                        continue  # a missing voice is reported where the quote is loaded
                    quote = (entry.get("source"), entry.get("quote"), entry.get("after"))
                    voice = (entry.get("voice"), entry.get("speaker"), entry.get("via"))
                    where = f"claim {claim.get('slug')!r}, evidence {number}"
                    if quote in seen and seen[quote][0] != voice:
                        self.fail(
                            where,
                            f"this quote is cited with voice/speaker/via {voice} here but "
                            f"{seen[quote][0]} at {seen[quote][1]}; one quote has one voice",
                        )
                    seen.setdefault(quote, (voice, where))

    def load_sources(self):
        manifest = read_manifest(self.seeds_dir)
        for entry in self.data.get("sources") or []:
            where = f"source {entry.get('slug')!r}"
            slug, filename = self.need(entry, "slug", where), self.need(entry, "file", where)
            try:
                text = read_document(self.seeds_dir, filename, manifest)
            except LedgerFileError as error:
                self.fail(where, str(error))
            publisher = self.need(entry, "publisher", where)
            fields = {
                "title": self.need(entry, "title", where),
                "publisher": self.lookup(self.publishers, publisher, "publisher", where),
                "author": entry.get("author") or "",
                "url": entry.get("url") or "",
                "published_on": entry.get("published_on"),
                "dating_note": entry.get("date_note") or "",
                "kind": entry.get("kind") or Source.Kind.NEWS_ARTICLE,
                "language": entry.get("language") or "en",
                "text": text,
                "original_filename": filename,
            }
            self.sources[slug] = source = self.upsert(Source, slug, fields, where)
            self.load_items(source, entry.get("items") or [], where)

    def load_items(self, source: Source, entries: list[dict], where: str):
        after = 0
        for number, entry in enumerate(entries, start=1):
            item_where = f"{where}, item {number}"
            heading = self.need(entry, "heading", item_where)
            start = source.text.find(heading, after)
            if start == -1:
                self.fail(
                    item_where,
                    f"the heading {heading!r} does not occur in the text after the previous item",
                )
            fields = {
                "heading": heading,
                "published_on": entry.get("published_on"),
                "kind": entry.get("kind") or "",
            }
            existing = SourceItem.objects.filter(source=source, start=start).first()
            if existing is None:
                services.source_item_add(source=source, after=after, by=self.author, **fields)
                self.report.record("source items", "created")
            else:
                self.change(existing, fields, item_where, "source items")
            after = start + len(heading)

    def load_disputes(self) -> None:
        for entry in self.data.get("disputes") or []:
            where = f"dispute {entry.get('slug')!r}"
            slug = self.need(entry, "slug", where)
            fields = {
                "question": self.need(entry, "question", where),
                "summary": entry.get("summary") or "",
            }
            dispute = self.upsert(Dispute, slug, fields, where)
            for claim_entry in entry.get("claims") or []:
                self.load_claim(dispute, claim_entry, where)

    def load_claim(self, dispute: Dispute, entry: dict, where: str) -> Claim:
        where = f"{where}, claim {entry.get('slug')!r}"
        slug = self.need(entry, "slug", where)
        fields = {
            "text": self.need(entry, "text", where),
            "dispute": dispute,
            "speaker": self.lookup(self.speakers, entry.get("speaker"), "speaker", where),
        }
        claim = Claim.objects.filter(slug=slug).first()
        if claim is None:
            claim = services.claim_create(slug=slug, by=self.author, **fields)
            self.report.record("claims", "created")
        elif claim.review_state == ReviewState.DRAFT:
            self.change_draft(claim, fields, where)
        else:
            self.change(claim, fields, where, "claims")
        kept = {
            self.load_evidence(claim, evidence, f"{where}, evidence {number}").pk
            for number, evidence in enumerate(entry.get("evidence") or [], start=1)
        }
        self.untie_dropped(claim, kept, where)
        claim.refresh_from_db()
        if claim.review_state == ReviewState.DRAFT:
            self.publish(claim, where)
        return claim

    def change_draft(self, claim: Claim, fields: dict, where: str) -> None:
        changed = {k: v for k, v in fields.items() if _differs(claim, k, v)}
        if changed:
            services.claim_update(
                claim=claim, by=self.author, expected_version=services.NO_VERSION_CHECK, **changed
            )
        self.report.record("claims", "updated" if changed else "unchanged")

    def publish(self, claim: Claim, where: str) -> None:
        """Submit as the file's author, publish as its review: the four-eyes rule holds."""
        try:
            for action, by in ((Action.SUBMIT, self.author), (Action.PUBLISH, self.reviewer)):
                claim = services.claim_transition(
                    claim=claim,
                    action=action,
                    by=by,
                    expected_version=services.NO_VERSION_CHECK,
                    comment=self.reviewed,
                )
        except services.WorkflowError as refused:
            self.fail(where, refused.message)

    def load_evidence(self, claim: Claim, entry: dict, where: str) -> Excerpt:
        """Tie the quote to the claim as the file says; return its excerpt."""
        source = self.lookup(self.sources, self.need(entry, "source", where), "source", where)
        voice = self.need(entry, "voice", where)
        if voice not in VoiceKind.values:
            self.fail(where, f"unknown voice {voice!r} (known: {', '.join(VoiceKind.values)})")
        attribution = {
            "voice": voice,
            "speaker": self.lookup(self.speakers, entry.get("speaker"), "speaker", where),
            "via": self.lookup(self.speakers, entry.get("via"), "speaker", where),
        }
        quote = self.need(entry, "quote", where)
        cut = {"source": source, "quote": quote, "prefix": entry.get("after"), "by": self.author}
        try:
            try:
                excerpt = services.excerpt_create(**cut, **attribution)
            except services.NeedsReview:
                # The quote is public and the file gives it another voice: a reviewed change.
                excerpt = services.excerpt_create(**cut)
                self.change(excerpt, attribution, where, "excerpts")
        except (anchoring.AnchoringError, ValidationError) as error:
            reason = error.message if isinstance(error, anchoring.AnchoringError) else error
            self.fail(f"{where} (source {source.slug!r})", f"quote “{quote}”: {reason}")
        stance, note = entry.get("stance"), entry.get("note") or ""
        existing = Evidence.objects.filter(claim=claim, excerpt=excerpt).first()
        if existing and (existing.stance, existing.note) == (stance, note):
            self.report.record("evidence", "unchanged")
            return excerpt
        if existing and claim.review_state != ReviewState.DRAFT:
            self.change(existing, {"stance": stance, "note": note}, where, "evidence")
            return excerpt
        if claim.review_state != ReviewState.DRAFT:
            self.add_to_published(claim, excerpt, stance, note, where)
            return excerpt
        try:
            services.evidence_add(
                claim=claim,
                excerpt=excerpt,
                stance=stance,
                note=note,
                by=self.author,
                expected_version=services.NO_VERSION_CHECK,
            )
        except (ValidationError, services.WorkflowError) as error:
            self.fail(where, getattr(error, "message", None) or "; ".join(error.messages))
        self.report.record("evidence", "updated" if existing else "created")
        return excerpt

    def untie_dropped(self, claim: Claim, kept: set[int], where: str) -> None:
        """Evidence the file no longer lists for this claim is taken away: from a draft directly,
        from a published claim as a change the file's review approves (on its record)."""
        for dropped in Evidence.objects.filter(claim=claim).exclude(excerpt_id__in=kept):
            claim.refresh_from_db()
            try:
                if claim.review_state == ReviewState.DRAFT:
                    services.evidence_remove(
                        evidence=dropped, by=self.author, expected_version=claim.version
                    )
                else:
                    change = services.change_propose(
                        target=claim,
                        changes={"remove_evidence": {"excerpt": dropped.excerpt_id}},
                        reason=self.reviewed,
                        by=self.author,
                    )
                    services.change_approve(change=change, by=self.reviewer, comment=self.reviewed)
            except ValidationError as error:
                self.fail(where, "; ".join(error.messages))
            except services.WorkflowError as refused:
                self.fail(where, refused.message)
            self.report.record("evidence", "removed")

    def withdraw_retired(self) -> None:
        """A claim the file published and no longer holds must be listed under `withdrawn:` with
        the reason readers will see; it is withdrawn through review, and its page says why."""
        listed = {}
        for entry in self.data.get("withdrawn") or []:
            where = f"withdrawn claim {entry.get('slug')!r}"
            listed[self.need(entry, "slug", where)] = self.need(entry, "reason", where)
        in_file = {
            claim.get("slug")
            for dispute in self.data.get("disputes") or []
            for claim in dispute.get("claims") or []
        }
        retired = Claim.objects.filter(created_by=self.author).exclude(slug__in=in_file)
        for claim in retired.exclude(
            review_state__in=[ReviewState.WITHDRAWN, ReviewState.REJECTED]
        ):
            where = f"claim {claim.slug!r}"
            if claim.slug not in listed:
                self.fail(
                    where,
                    "published from this file but no longer in it: list it under `withdrawn:` "
                    "with the reason readers will see, or put it back",
                )
            if claim.review_state != ReviewState.PUBLISHED:
                continue
            try:
                services.claim_transition(
                    claim=claim,
                    action=Action.WITHDRAW,
                    by=self.reviewer,
                    expected_version=services.NO_VERSION_CHECK,
                    comment=listed[claim.slug],
                )
            except services.WorkflowError as refused:
                self.fail(where, refused.message)
            self.report.record("claims", "withdrawn")

    def add_to_published(self, claim: Claim, excerpt, stance: str, note: str, where: str):
        """A new quote for a published claim: a change the file's review approves."""
        added = {"excerpt": excerpt, "stance": stance, "note": note}
        try:
            change = services.change_propose(
                target=claim, changes={"add_evidence": added}, reason=self.reviewed, by=self.author
            )
            services.change_approve(change=change, by=self.reviewer, comment=self.reviewed)
        except ValidationError as error:
            self.fail(where, "; ".join(error.messages))
        except services.WorkflowError as refused:
            self.fail(where, refused.message)
        self.report.record("evidence", "created")


def _parents_first(entries: list, parent_key: str, fail) -> list:
    """Entries ordered so that each one's parent (by slug) comes before it."""
    by_slug = {entry.get("slug"): entry for entry in entries if isinstance(entry, dict)}
    ordered, placed = [], set()

    def place(entry, path):
        slug = entry.get("slug")
        if slug in placed:
            return
        if slug in path:
            loop = " → ".join([*path[path.index(slug) :], slug])
            fail(f"speaker {slug!r}", f"affiliations go round in a circle: {loop}")
        parent = by_slug.get(entry.get(parent_key))
        if parent is not None:
            place(parent, [*path, slug])
        placed.add(slug)
        ordered.append(entry)

    for entry in entries:
        if isinstance(entry, dict):
            place(entry, [])
        else:
            ordered.append(entry)
    return ordered


def _differs(row, name: str, value) -> bool:
    current = getattr(row, name)
    if isinstance(current, models.Model) or isinstance(value, models.Model):
        return getattr(current, "pk", None) != getattr(value, "pk", None)
    return current != value
