"""Backup and restore: `export_ledger` writes a checksummed dump, `import_ledger` restores it
into an empty database whole, or refuses it and changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable

import dj_database_url
import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.test import override_settings
from psycopg import sql

from claims import services
from claims.models import (
    Claim,
    DeskPreferences,
    Dispute,
    Evidence,
    Excerpt,
    LedgerState,
    Publisher,
    ReviewEvent,
    ReviewState,
    Source,
    SourceItem,
    Speaker,
)
from claims.ops import backup
from claims.ops.integrity import find_problems
from claims.services import NO_VERSION_CHECK
from claims.services.workflow import claim_transition

# The cross-database round trip creates (and drops) this database on the server it names.
POSTGRES_URL = os.environ.get(
    "LEDGER_BACKUP_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/ledger_backup_roundtrip"
)
NEW_CLAIM = "Magnitsky’s family — “and his lawyers” — were refused an independent autopsy."


@pytest.fixture
def ledger(seeded_ledger, editor, other_editor, reviewer):
    """The seed ledger after a day of editing: a claim written, revised, quoted, reviewed and
    published, a seed claim withdrawn, and an editor given one permission of their own."""
    claim = services.claim_create(
        text="A first wording.", dispute=Dispute.objects.order_by("pk").first(), by=editor
    )
    claim = services.claim_update(
        claim=claim, by=editor, expected_version=claim.version, text=NEW_CLAIM
    )
    services.evidence_add(
        claim=claim,
        excerpt=Excerpt.objects.order_by("pk").first(),
        stance="supports",
        note="The quote's first sentence is the one that matters.",
        by=other_editor,
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    claim = claim_transition(
        claim=claim, action="submit", by=editor, expected_version=claim.version
    )
    claim_transition(claim=claim, action="publish", by=reviewer, expected_version=claim.version)
    claim_transition(
        expected_version=NO_VERSION_CHECK,
        claim=Claim.objects.filter(review_state=ReviewState.PUBLISHED).order_by("pk").first(),
        action="withdraw",
        by=reviewer,
        comment="Superseded by a better-sourced claim.",
    )
    editor.user_permissions.add(Permission.objects.get(codename="delete_claim"))
    return seeded_ledger


def export() -> bytes:
    stream = io.BytesIO()
    backup.export_ledger(stream)
    return stream.getvalue()


def restore(dump: bytes) -> backup.BackupSummary:
    return backup.import_ledger(io.BytesIO(dump))


def record_lines(dump: bytes) -> list[bytes]:
    """Everything but the header (which carries the export time) and the footer."""
    return dump.splitlines()[1:-1]


def ledger_models() -> list:
    """Every model of the claims app (history included) but the response cache's change token
    (`LedgerState`): it is no part of the ledger, every database gets its own from `migrate`, and
    it is not dumped; nor are desk settings (`DeskPreferences`): a restored desk starts with
    everyone's defaults (notifications on, nothing seen yet)."""
    return [
        m
        for m in apps.get_app_config("claims").get_models()
        if m not in (LedgerState, DeskPreferences)
    ]


def row_counts() -> dict[str, int]:
    """Rows of every model of the ledger and of accounts."""
    models = [*ledger_models(), User]
    return {model._meta.label_lower: model._base_manager.count() for model in models}


def wipe_ledger() -> None:
    """Leave the database as a fresh `migrate` does (the test's transaction undoes this)."""
    # Without history rows for the deletions themselves: history is emptied next anyway.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for model in (Evidence, ReviewEvent, Claim, Dispute, Excerpt, SourceItem, Source):
            model.objects.all().delete()
        Publisher.objects.filter(part_of__isnull=False).delete()
        Publisher.objects.all().delete()
        Speaker.objects.update(affiliation=None)
        Speaker.objects.all().delete()
    for model in apps.get_app_config("claims").get_models():
        if model.__name__.startswith("Historical"):
            model.objects.all().delete()
    User.objects.all().delete()
    assert not any(row_counts().values())


def line_of(dump: bytes, model: str, *, last: bool = False) -> int:
    """The index (0-based) of the first, or last, record line of `model` in the dump."""
    found = [
        index
        for index, line in enumerate(dump.splitlines(keepends=True))
        if line.startswith(b"{") and json.loads(line).get("model") == model
    ]
    return found[-1] if last else found[0]


def resign(lines: list[bytes]) -> bytes:
    """Recompute every record's checksum and the footer, as a careful forger would."""
    out = [lines[0]]
    for line in lines[1:-1]:
        record = json.loads(line)
        record["sha256"] = backup.record_sha256(
            model=record["model"], pk=record["pk"], fields=record["fields"]
        )
        out.append(backup.canonical_json(record) + b"\n")
    footer = {"records": len(out) - 1, "sha256": hashlib.sha256(b"".join(out)).hexdigest()}
    return b"".join(out) + backup.canonical_json(footer) + b"\n"


# -- the round trip ---------------------------------------------------------------------------


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_a_restored_ledger_is_identical_to_the_exported_one(ledger):
    dump = export()
    excerpts = list(Excerpt.objects.order_by("pk").values_list("pk", "source", "start", "end"))
    statuses = dict(Claim.objects.values_list("slug", "status"))
    review_states = dict(Claim.objects.values_list("slug", "review_state"))
    hashes = dict(Source.objects.values_list("slug", "sha256"))
    counts = row_counts()

    wipe_ledger()
    summary = restore(dump)

    assert record_lines(export()) == record_lines(dump)
    assert summary.records == len(record_lines(dump))
    assert row_counts() == counts
    assert list(Excerpt.objects.order_by("pk").values_list("pk", "source", "start", "end")) == (
        excerpts
    )
    for excerpt in Excerpt.objects.select_related("source"):
        assert excerpt.source.text[excerpt.start : excerpt.end] == excerpt.text
    assert dict(Claim.objects.values_list("slug", "status")) == statuses
    assert dict(Claim.objects.values_list("slug", "review_state")) == review_states
    assert dict(Source.objects.values_list("slug", "sha256")) == hashes
    assert list(find_problems()) == []


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_a_restored_claim_keeps_its_history_review_timeline_and_authors(ledger):
    claim = Claim.objects.get(text=NEW_CLAIM)
    timestamps = (claim.created_at, claim.updated_at, claim.published_at)
    wordings = list(claim.history.order_by("history_id").values_list("text", "history_user"))
    dump = export()

    wipe_ledger()
    restore(dump)

    restored = Claim.objects.get(text=NEW_CLAIM)
    assert (restored.created_at, restored.updated_at, restored.published_at) == timestamps
    history = list(restored.history.order_by("history_id").values_list("text", "history_user"))
    assert history == wordings
    assert [(e.action, e.actor.username) for e in restored.review_events.all()] == [
        ("submit", "edna"),
        ("publish", "rita"),
    ]
    assert (restored.created_by.username, restored.last_edited_by.username) == ("edna", "ed")


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_restored_accounts_log_in_with_their_passwords_roles_and_permissions(ledger):
    dump = export()

    wipe_ledger()
    restore(dump)

    edna = User.objects.get(username="edna")
    assert edna.check_password("pw")
    assert list(edna.groups.values_list("name", flat=True)) == ["Editors"]
    assert edna.has_perm("claims.submit_claim") and edna.has_perm("claims.delete_claim")
    rita = User.objects.get(username="rita")
    assert rita.has_perm("claims.review_claim") and not rita.has_perm("claims.delete_claim")


def test_export_is_deterministic_whatever_order_rows_were_written_in(ledger, editor):
    # A group whose id order differs from its name order, joined last.
    Group.objects.create(name="Archivists")
    editor.groups.add(*Group.objects.exclude(name="Editors").order_by("pk"))
    first = export()
    editor.groups.clear()
    editor.groups.add(*Group.objects.order_by("-pk"))

    assert record_lines(export()) == record_lines(first)
    edna = next(
        record
        for record in map(json.loads, record_lines(first))
        if record["model"] == "auth.user" and record["fields"]["username"] == "edna"
    )
    assert edna["fields"]["groups"] == ["Archivists", "Editors", "Reviewers"]


def test_the_dump_covers_every_model_of_the_claims_app_and_accounts(ledger):
    header = json.loads(export().splitlines()[0])

    claims_models = {model._meta.label_lower for model in ledger_models()}
    assert claims_models | {"auth.user", "auth.group"} == set(header["models"])
    assert (header["format"], header["version"]) == ("claim-ledger", backup.VERSION)


# -- refusals: nothing is half-imported -------------------------------------------------------


def change_one_character(lines: list[bytes]) -> tuple[bytes, str]:
    index = line_of(b"".join(lines), "claims.historicalclaim", last=True)
    at = lines[index].index(b'"text":"') + len(b'"text":"')
    lines[index] = lines[index][:at] + b"#" + lines[index][at + 1 :]
    return b"".join(lines), f"Line {index + 1} (claims.historicalclaim "


def cut_the_last_lines(lines: list[bytes]) -> tuple[bytes, str]:
    return b"".join(lines[:-3]), f"ends at line {len(lines) - 3} without its footer"


def cut_inside_a_line(lines: list[bytes]) -> tuple[bytes, str]:
    dump = b"".join(lines)
    cut = dump[: len(dump) - len(lines[-1]) - 20]
    return cut, f"Line {len(lines) - 1} is cut off"


def remove_a_record(lines: list[bytes]) -> tuple[bytes, str]:
    del lines[line_of(b"".join(lines), "claims.evidence")]
    return b"".join(lines), "says the dump holds"


def swap_two_records(lines: list[bytes]) -> tuple[bytes, str]:
    first = line_of(b"".join(lines), "claims.claim")
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    return b"".join(lines), "but its footer"


def resign_after_moving_an_excerpt(lines: list[bytes]) -> tuple[bytes, str]:
    index = line_of(b"".join(lines), "claims.excerpt", last=True)
    record = json.loads(lines[index])
    record["fields"]["start"] += 1
    lines[index] = backup.canonical_json(record) + b"\n"
    return resign(lines), f"excerpt {record['pk']} (source "


def another_format_version(lines: list[bytes]) -> tuple[bytes, str]:
    header = json.loads(lines[0])
    header["version"] = backup.VERSION + 1
    lines[0] = backup.canonical_json(header) + b"\n"
    return b"".join(lines), f"format version {backup.VERSION + 1}"


def not_a_dump(lines: list[bytes]) -> tuple[bytes, str]:
    return (settings.LEDGER_SEEDS_DIR / "ledger.yaml").read_bytes(), "not the header"


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (change_one_character, backup.ChecksumMismatch),
        (cut_the_last_lines, backup.TruncatedDump),
        (cut_inside_a_line, backup.TruncatedDump),
        (remove_a_record, backup.ChecksumMismatch),
        (swap_two_records, backup.ChecksumMismatch),
        (resign_after_moving_an_excerpt, backup.RestoreRejected),
        (another_format_version, backup.DumpFormatError),
        (not_a_dump, backup.DumpFormatError),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_a_damaged_dump_is_refused_saying_where_and_nothing_is_imported(
    ledger, damage: Callable[[list[bytes]], tuple[bytes, str]], error: type[Exception]
):
    damaged, where = damage(export().splitlines(keepends=True))
    wipe_ledger()
    # A role that differs from the dump's, so that a restored group would show.
    Group.objects.get(name="Editors").permissions.remove(
        Permission.objects.get(codename="add_claim")
    )
    groups_before = {g.name: set(g.permissions.all()) for g in Group.objects.all()}

    with pytest.raises(error) as refused:
        restore(damaged)

    assert where in str(refused.value)
    assert not any(row_counts().values())
    assert {g.name: set(g.permissions.all()) for g in Group.objects.all()} == groups_before


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_a_changed_character_is_reported_with_both_checksums(ledger):
    lines = export().splitlines(keepends=True)
    damaged, _ = change_one_character(list(lines))
    index = line_of(damaged, "claims.historicalclaim", last=True)
    written = json.loads(damaged.splitlines()[index])
    wipe_ledger()

    with pytest.raises(backup.ChecksumMismatch) as refused:
        restore(damaged)

    actual = backup.record_sha256(
        model=written["model"], pk=written["pk"], fields=written["fields"]
    )
    assert f"hashes to {actual}, but the line says {written['sha256']}" in str(refused.value)


def test_a_dump_is_not_imported_into_a_database_that_holds_a_ledger(ledger):
    dump = export()
    counts = row_counts()

    with pytest.raises(backup.DatabaseNotEmpty, match="restored into an empty database only"):
        restore(dump)

    assert row_counts() == counts


# -- the commands -----------------------------------------------------------------------------


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_the_commands_write_and_restore_a_dump_file_and_report_counts(ledger, tmp_path):
    path = tmp_path / "ledger.jsonl"
    exported = io.StringIO()
    call_command("export_ledger", str(path), stdout=exported)
    claims = Claim.objects.count()
    wipe_ledger()

    imported = io.StringIO()
    call_command("import_ledger", str(path), stdout=imported)

    assert f"claims.claim: {claims}" in exported.getvalue()
    assert f"claims.claim: {claims}" in imported.getvalue()
    assert Claim.objects.count() == claims
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.jsonl"]
    assert path.stat().st_mode & 0o777 == 0o600  # it holds password hashes


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_the_import_command_says_nothing_was_imported_when_it_refuses(ledger, tmp_path):
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"".join(export().splitlines(keepends=True)[:-1]))
    wipe_ledger()

    with pytest.raises(CommandError, match="truncated.*\nNothing was imported"):
        call_command("import_ledger", str(path))


# -- across databases -------------------------------------------------------------------------


def manage(database_url: str, *args: str, stdin: bytes | None = None) -> bytes:
    """Run a management command in its own process, against another database."""
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        input=stdin,
        capture_output=True,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr.decode()}"
    return result.stdout


def migrate_at_once(*database_urls: str) -> None:
    """`manage.py migrate` on each database in parallel (they are independent, and it is slow)."""
    running = [
        subprocess.Popen(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "migrate", "--no-input"],
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for url in database_urls
    ]
    for process in running:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, f"migrate failed:\n{errors.decode()}"


@pytest.fixture
def postgres_url():
    """A new, empty PostgreSQL database (dropped afterwards), or a skip if there is no server."""
    config = dj_database_url.parse(POSTGRES_URL)
    try:
        server = psycopg.connect(
            host=config["HOST"],
            port=config["PORT"],
            user=config["USER"],
            password=config["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError as error:
        pytest.skip(
            f"PostgreSQL does not answer at {config['HOST']}:{config['PORT']} ({error}); "
            "set LEDGER_BACKUP_TEST_POSTGRES to a server where this test may create a database."
        )
    name = sql.Identifier(config["NAME"])
    with server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        server.execute(sql.SQL("CREATE DATABASE {}").format(name))
        yield POSTGRES_URL
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def test_a_dump_travels_to_postgresql_and_back_to_sqlite_unchanged(ledger, postgres_url, tmp_path):
    """The test database (SQLite unless DATABASE_URL says otherwise) → PostgreSQL → SQLite,
    through the commands, in processes of their own, by file and by standard input/output."""
    sqlite_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    original = tmp_path / "original.jsonl"
    original.write_bytes(export())
    migrate_at_once(postgres_url, sqlite_url)

    manage(postgres_url, "import_ledger", str(original))
    from_postgres = manage(postgres_url, "export_ledger", "-")
    manage(sqlite_url, "import_ledger", "-", stdin=from_postgres)
    back_in_sqlite = manage(sqlite_url, "export_ledger", "-")
    # Restored rows keep their ids; a row written afterwards must get a new one.
    document = tmp_path / "new.txt"
    document.write_text("A statement published after the restore.", encoding="utf-8")
    ingested = manage(
        postgres_url, "ingest_source", str(document), "--title", "New", "--publisher", "New"
    )

    expected = record_lines(original.read_bytes())
    assert record_lines(from_postgres) == expected
    assert record_lines(back_in_sqlite) == expected
    assert f"Ingested source {Source.objects.order_by('pk').last().pk + 1} ".encode() in ingested


# -- signed dumps -------------------------------------------------------------------------------


def forge(dump: bytes) -> bytes:
    """Change what a history row says, recompute every checksum, and keep the old signature."""
    lines = dump.splitlines(keepends=True)
    signature = json.loads(lines[-1]).get("signature")
    index = line_of(dump, "claims.historicalclaim", last=True)
    record = json.loads(lines[index])
    record["fields"]["history_change_reason"] = "Quietly rewritten."
    lines[index] = backup.canonical_json(record) + b"\n"
    forged = resign(lines).splitlines(keepends=True)
    footer = json.loads(forged[-1]) | ({"signature": signature} if signature else {})
    return b"".join(forged[:-1]) + backup.canonical_json(footer) + b"\n"


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_a_signed_dump_restores_where_its_key_is_and_says_which_key(ledger, settings):
    settings.LEDGER_DUMP_KEY = "the newsroom's own dump key"
    dump = export()
    assert json.loads(dump.splitlines()[-1])["signature"]["key"] == backup.key_id(
        settings.LEDGER_DUMP_KEY
    )
    wipe_ledger()
    assert restore(dump).signed_by == backup.key_id(settings.LEDGER_DUMP_KEY)


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_a_forged_dump_with_recomputed_checksums_is_refused_where_a_key_is_set(ledger, settings):
    settings.LEDGER_DUMP_KEY = "the newsroom's own dump key"
    forged = forge(export())
    unsigned = forge(b"".join(export_unsigned(settings)))
    wipe_ledger()
    with pytest.raises(backup.SignatureRefused, match="changed after it was signed"):
        restore(forged)
    with pytest.raises(backup.SignatureRefused, match="not signed"):
        restore(unsigned)
    assert not any(row_counts().values())
    # Accepted only when someone says they trust where it came from, and then named unsigned.
    assert backup.import_ledger(io.BytesIO(unsigned), accept_unsigned=True).signed_by == ""


def export_unsigned(settings) -> list[bytes]:
    key, settings.LEDGER_DUMP_KEY = settings.LEDGER_DUMP_KEY, ""
    try:
        return export().splitlines(keepends=True)
    finally:
        settings.LEDGER_DUMP_KEY = key


@pytest.mark.writes_outside_services("empties the ledger so that a dump can be restored")
def test_a_dump_signed_with_another_key_is_refused_naming_both(ledger, settings):
    settings.LEDGER_DUMP_KEY = "one newsroom's key"
    dump = export()
    wipe_ledger()
    settings.LEDGER_DUMP_KEY = "another newsroom's key"
    with pytest.raises(backup.SignatureRefused) as refused:
        restore(dump)
    assert backup.key_id("one newsroom's key") in str(refused.value)
    assert backup.key_id("another newsroom's key") in str(refused.value)
