"""Hostile files: the seed loader and the ingest command refuse what the other doors refuse.

A ledger file with a script URL or a NUL stops the load with a message, and a document with a
NUL byte is not ingested; nothing of either is written.
"""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from claims.models import Dispute, Publisher, Source
from claims.ops.loader import LedgerFileError, load_ledger

pytestmark = pytest.mark.django_db


def test_a_script_url_in_the_ledger_file_stops_the_load(tmp_path):
    (tmp_path / "ledger.yaml").write_text(
        "version: 1\npublishers:\n  - {slug: evil, name: Evil, url: 'javascript:alert(1)'}\n",
        encoding="utf-8",
    )
    with pytest.raises(LedgerFileError, match="Enter a valid URL"):
        load_ledger(tmp_path / "ledger.yaml")
    assert not Publisher.objects.filter(slug="evil").exists()


def test_the_loader_and_the_ingest_command_refuse_nul(tmp_path):
    (tmp_path / "ledger.yaml").write_text(
        'version: 1\ndisputes:\n  - {slug: q, question: "How\\0?"}\n', encoding="utf-8"
    )
    with pytest.raises(LedgerFileError, match="Null characters are not allowed"):
        load_ledger(tmp_path / "ledger.yaml")

    document = tmp_path / "document.txt"
    document.write_bytes(b"A document\x00 with a NUL byte.")
    with pytest.raises(CommandError, match="Null characters are not allowed"):
        call_command("ingest_source", str(document), title="Doc", publisher="someone")
    assert not Source.objects.exists() and not Dispute.objects.exists()
