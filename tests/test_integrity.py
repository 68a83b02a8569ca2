"""verify_ledger: every excerpt is its source's text at its offsets; every source its SHA-256."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from claims import services
from claims.models import Claim, Excerpt, Source
from claims.ops.loader import read_manifest
from tests import factories

SEEDS = Path(settings.LEDGER_SEEDS_DIR)


def test_seed_documents_match_their_manifest():
    manifest = read_manifest(SEEDS)
    documents = sorted(path.name for path in SEEDS.glob("*.txt"))
    assert sorted(manifest) == documents
    assert len(documents) == 5
    for name in documents:
        assert hashlib.sha256((SEEDS / name).read_bytes()).hexdigest() == manifest[name], name


@pytest.fixture
def small_ledger(db):
    source = factories.source()
    claim = factories.claim()
    factories.evidence(claim, source, "died of heart failure")
    return source, claim


def test_verify_passes_on_a_sound_ledger(small_ledger, capsys):
    call_command("verify_ledger")
    assert "checks out" in capsys.readouterr().out


@pytest.mark.writes_outside_services("simulates a row corrupted outside the services")
def test_verify_names_a_tampered_excerpt(small_ledger, capsys):
    excerpt = Excerpt.objects.get()
    # A write that bypasses the services, as a careless migration or SQL console might.
    Excerpt.objects.filter(pk=excerpt.pk).update(text="died of a heart attack")

    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_ledger")
    report = capsys.readouterr().err
    assert f"excerpt {excerpt.pk}" in report
    assert "stored “died of a heart attack”, but the source says “died of heart failure”" in report


@pytest.mark.writes_outside_services("simulates a row corrupted outside the services")
def test_verify_names_shifted_offsets(small_ledger, capsys):
    excerpt = Excerpt.objects.get()
    Excerpt.objects.filter(pk=excerpt.pk).update(start=excerpt.start + 1, end=excerpt.end + 1)

    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert f"excerpt {excerpt.pk}" in capsys.readouterr().err


@pytest.mark.writes_outside_services("simulates a row corrupted outside the services")
def test_verify_names_a_source_whose_text_no_longer_matches_its_hash(small_ledger, capsys):
    source, _ = small_ledger
    Source.objects.filter(pk=source.pk).update(text=source.text + " Appended.")

    with pytest.raises(CommandError, match="problem"):
        call_command("verify_ledger")
    report = capsys.readouterr().err
    assert f"source {source.pk} ({source.slug}): text hashes to" in report


@pytest.mark.writes_outside_services("simulates a row corrupted outside the services")
def test_verify_names_a_claim_whose_stored_status_drifted(small_ledger, capsys):
    _, claim = small_ledger
    Claim.objects.filter(pk=claim.pk).update(status="agreement")

    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert "stored status is agreement, but its evidence says unverified" in (
        capsys.readouterr().err
    )


def test_ingest_command_stores_a_document_exactly(db, tmp_path, capsys):
    path = tmp_path / "statement.txt"
    path.write_bytes("A statement\r\nwith \u201ccurly\u201d quotes.\n".encode())

    call_command(
        "ingest_source",
        str(path),
        "--title",
        "A statement",
        "--publisher",
        "Some Outlet",
        "--kind",
        "statement",
        "--published-on",
        "2014-11-16",
    )

    source = Source.objects.get()
    # Exactly as the file says it, line ends aside (stored as \n), and hashed as stored.
    assert source.text == path.read_bytes().decode().replace("\r\n", "\n")
    assert source.sha256 == hashlib.sha256(source.text.encode()).hexdigest()
    assert source.publisher.name == "Some Outlet"
    assert str(source.published_on) == "2014-11-16"
    excerpt = services.excerpt_create(source=source, quote='"curly" quotes', by=factories.author())
    assert excerpt.text == "\u201ccurly\u201d quotes"
    assert "Ingested source" in capsys.readouterr().out


def test_ingest_command_refuses_a_bad_date(db, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Some text.")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command(
            "ingest_source", str(path), "--title", "T", "--publisher", "P", "--published-on", "x"
        )
