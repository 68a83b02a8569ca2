"""The synthetic ledger for benchmarks: deterministic, realistic in shape, and sound."""

import pytest
from django.core.management import call_command

from claims.models import (
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    Publisher,
    Source,
    SourceItem,
    Speaker,
)
from claims.ops.generation import Scale, generate_ledger
from claims.ops.integrity import find_problems

pytestmark = pytest.mark.django_db

SMALL = Scale().scaled(0.005)


def quiet(*args):
    """A progress callback that shows nothing."""


def test_generated_ledger_has_the_asked_for_shape_and_passes_verification():
    counts = generate_ledger(scale=SMALL, seed=7, progress=quiet)
    assert counts["sources"] == Source.objects.count() == SMALL.sources
    assert counts["excerpts"] == Excerpt.objects.count() == SMALL.excerpts
    assert counts["claims"] == Claim.objects.count() == SMALL.claims
    assert Evidence.objects.count() == counts["evidence"] == SMALL.evidence
    assert list(find_problems()) == []
    statuses = set(Claim.objects.values_list("status", flat=True))
    states = set(Claim.objects.values_list("review_state", flat=True))
    assert {"agreement", "contradiction", "unverified"} <= statuses
    assert {"published", "draft"} <= states
    lengths = [len(t) for t in Excerpt.objects.values_list("text", flat=True)]
    assert 100 <= sum(lengths) / len(lengths) <= 200


def fingerprint():
    claims = Claim.objects.order_by("slug").values_list("slug", "text", "status", "review_state")
    excerpts = Excerpt.objects.order_by("source__slug", "start").values_list("start", "end", "text")
    return list(claims), list(excerpts)


def wipe():
    """Delete everything, dependants first (sources and excerpts are protected)."""
    for model in (Evidence, Claim, Excerpt, SourceItem, Source, Dispute, Speaker):
        model.objects.all().delete()
    Publisher.objects.filter(part_of__isnull=False).delete()
    Publisher.objects.all().delete()


@pytest.mark.writes_outside_services("empties the database between two generations")
def test_the_same_seed_builds_the_same_ledger():
    generate_ledger(scale=SMALL, seed=3, progress=quiet)
    first = fingerprint()
    wipe()
    generate_ledger(scale=SMALL, seed=3, progress=quiet)
    assert fingerprint() == first
    wipe()
    generate_ledger(scale=SMALL, seed=4, progress=quiet)
    assert fingerprint() != first


def test_generate_ledger_command(capsys):
    call_command("generate_ledger", "--scale", "0.002", "--seed", "5")
    assert "Generated" in capsys.readouterr().out
