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
from django.utils import timezone

from claims import services
from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Publisher,
    ReviewEvent,
    ReviewState,
    Source,
    SourceItem,
    Speaker,
)
from claims.rules import anchoring
from claims.services.statuses import claim_statuses_refresh

SUPPORTED_VERSIONS = {1}
# Who the review timeline names for claims that arrive published from the curated file.
SEED_REVIEWER = "the curated ledger file"
MANIFEST_NAME = "SHA256SUMS"


class LedgerFileError(Exception):
    """The ledger file cannot be loaded as it is; the message says where and why."""


@dataclass
class LoadReport:
    """What a load did, by kind of record: created, updated, unchanged."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def record(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def changed(self) -> int:
        return sum(c["created"] + c["updated"] for c in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: {c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"
            for kind, c in self.counts.items()
        ]


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
    return data.decode("utf-8")


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


class _Loader:
    def __init__(self, data: dict[str, Any], seeds_dir: Path, filename: str):
        self.data = data
        self.seeds_dir = seeds_dir
        self.filename = filename
        self.report = LoadReport()
        self.publishers: dict[str, Publisher] = {}
        self.speakers: dict[str, Speaker] = {}
        self.sources: dict[str, Source] = {}

    @transaction.atomic
    def load(self) -> LoadReport:
        self.load_publishers()
        self.load_speakers()
        self.load_sources()
        touched_claims = self.load_disputes()
        claim_statuses_refresh(claim_ids=touched_claims, by=None, reason="status recomputed")
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

    def upsert(self, model: type[models.Model], slug: str, fields: dict, where: str, **create):
        """Create the row with this slug, or update the fields that differ; save nothing else."""
        instance = model.objects.filter(slug=slug).first()
        if instance is None:
            instance, outcome = model(slug=slug, **fields, **create), "created"
        else:
            changed = {k: v for k, v in fields.items() if getattr(instance, k) != v}
            if not changed:
                self.report.record(model._meta.verbose_name_plural, "unchanged")
                return instance
            for name, value in changed.items():
                setattr(instance, name, value)
            outcome = "updated"
        try:
            instance.full_clean(exclude=["sha256"])
            instance.save()
        except ValidationError as error:
            self.fail(where, "; ".join(error.messages))
        self.report.record(model._meta.verbose_name_plural, outcome)
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
            }
            self.publishers[slug] = self.upsert(Publisher, slug, fields, where)

    def load_speakers(self):
        for entry in self.data.get("speakers") or []:
            where = f"speaker {entry.get('slug')!r}"
            slug = self.need(entry, "slug", where)
            fields = {
                "name": self.need(entry, "name", where),
                "kind": entry.get("kind") or Speaker.Kind.PERSON,
                "description": entry.get("description") or "",
            }
            self.speakers[slug] = self.upsert(Speaker, slug, fields, where)

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
                services.source_item_add(source=source, after=after, **fields)
                self.report.record("source items", "created")
            elif any(getattr(existing, k) != v for k, v in fields.items()):
                for name, value in fields.items():
                    setattr(existing, name, value)
                existing.save()
                self.report.record("source items", "updated")
            else:
                self.report.record("source items", "unchanged")
            after = start + len(heading)

    def load_disputes(self) -> set[int]:
        touched_claims: set[int] = set()
        published = {"review_state": ReviewState.PUBLISHED, "published_at": timezone.now()}
        for entry in self.data.get("disputes") or []:
            where = f"dispute {entry.get('slug')!r}"
            slug = self.need(entry, "slug", where)
            fields = {
                "question": self.need(entry, "question", where),
                "summary": entry.get("summary") or "",
            }
            dispute = self.upsert(Dispute, slug, fields, where, **published)
            for claim_entry in entry.get("claims") or []:
                claim = self.load_claim(dispute, claim_entry, where, published)
                touched_claims.add(claim.pk)
        return touched_claims

    def load_claim(self, dispute: Dispute, entry: dict, where: str, published: dict) -> Claim:
        where = f"{where}, claim {entry.get('slug')!r}"
        slug = self.need(entry, "slug", where)
        fields = {
            "text": self.need(entry, "text", where),
            "dispute": dispute,
            "speaker": self.lookup(self.speakers, entry.get("speaker"), "speaker", where),
        }
        created = not Claim.objects.filter(slug=slug).exists()
        claim = self.upsert(Claim, slug, fields, where, **published)
        if created:
            # The curated file is reviewed in its pull request; the timeline says so.
            ReviewEvent.objects.create(
                claim=claim,
                action=ReviewEvent.Action.PUBLISH,
                from_state=ReviewState.DRAFT,
                to_state=ReviewState.PUBLISHED,
                actor=None,
                actor_name=SEED_REVIEWER,
                comment=f"Curated in {self.filename}, reviewed in its pull request.",
            )
        for number, evidence in enumerate(entry.get("evidence") or [], start=1):
            self.load_evidence(claim, evidence, f"{where}, evidence {number}")
        return claim

    def load_evidence(self, claim: Claim, entry: dict, where: str):
        source = self.lookup(self.sources, self.need(entry, "source", where), "source", where)
        speaker = self.lookup(self.speakers, entry.get("speaker"), "speaker", where)
        quote = self.need(entry, "quote", where)
        try:
            excerpt = services.excerpt_create(
                source=source, quote=quote, speaker=speaker, prefix=entry.get("after")
            )
        except (anchoring.AnchoringError, ValidationError) as error:
            reason = error.message if isinstance(error, anchoring.AnchoringError) else error
            self.fail(f"{where} (source {source.slug!r})", f"quote “{quote}”: {reason}")
        stance, note = entry.get("stance"), entry.get("note") or ""
        existing = Evidence.objects.filter(claim=claim, excerpt=excerpt).first()
        if existing and (existing.stance, existing.note) == (stance, note):
            self.report.record("evidence", "unchanged")
            return
        try:
            services.evidence_add(claim=claim, excerpt=excerpt, stance=stance, note=note)
        except ValidationError as error:
            self.fail(where, "; ".join(error.messages))
        self.report.record("evidence", "updated" if existing else "created")
