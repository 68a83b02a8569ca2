"""Faults and concurrency: many writers at once, racing reviewers and editors, reads mid-import.

What runs where:

- SQLite scenarios use a file database shared with child processes (`python -m
  tests.concurrent_writer`): an in-memory test database is private to this process, and its
  shared-cache locking is not the file locking that the WAL journal and IMMEDIATE transactions in
  `ledger/settings.py` are about. They run on every test run, whatever DATABASE_URL says.
- PostgreSQL scenarios run against the test database itself (the races in threads here, the
  import and the reader in children), so they need `DATABASE_URL=postgres://…` (CI sets it) and
  are skipped, saying so, without it.

The races widen the moment between reading a claim and saving it (`concurrent_writer.slowed`), so
that without a row lock (PostgreSQL) or a write lock taken at BEGIN (SQLite) both racers would
read the same version before either wrote, and both would "win".
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from claims.ops.generation import Scale, generate_ledger
from claims.services.workflow import MESSAGE_WRONG_STATE
from tests import concurrent_writer

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Threads see each other's writes only once committed, hence a transactional test database;
# serialized_rollback restores the editorial groups (a data migration) after its flush.
IN_POSTGRESQL_TEST_DATABASE = [
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (CI does)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WRITER_PROCESSES = 4
WRITER_THREADS = 2
WRITE_SECONDS = 5.0
# The import: generate_ledger at a hundredth of archive scale but with 200 KB sources (20 of
# them, 2,000 excerpts, 500 claims, 1,500 pieces of evidence), so that it writes more than
# SQLite's page cache holds; then it keeps its transaction open for IMPORT_HOLD_SECONDS.
IMPORT = ["--scale", "0.01", "--text-size", "200000", "--seed", "7"]
IMPORT_HOLD_SECONDS = 4.0
READ_PATHS = ["/", "/facts/", "/api/v1/claims/", "/api/v1/facts/"]
# Well under the hold: a read that waited for the import's lock would take the rest of it.
SLOWEST_ACCEPTABLE_READ_SECONDS = 2.0
CHILD_TIMEOUT_SECONDS = 120


# -- child processes ------------------------------------------------------------------------------


def child_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_LOG_LEVEL": "WARNING",
        # The reader asks far more often than the anonymous API throttle allows a real client.
        "LEDGER_API_ANON_RATE": "1000000/minute",
    }


@contextmanager
def child(command: list[str], database_url: str, **popen: Any) -> Iterator[subprocess.Popen]:
    """A child process in the project directory, killed if the test leaves it running.

    Its standard error goes to a file (`stderr_of`) unless the caller reads it: a pipe nobody
    drains would stop a chatty child once full.
    """
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=child_environment(database_url),
            text=True,
            **{"stderr": log, "stdout": subprocess.PIPE, **popen},
        )
        process.log = log
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def stderr_of(process: subprocess.Popen) -> str:
    process.log.seek(0)
    return process.log.read()


def finish(process: subprocess.Popen) -> str:
    """Wait for a child to end; its standard output, or a failure showing its standard error."""
    out, _ = process.communicate(timeout=CHILD_TIMEOUT_SECONDS)
    assert process.returncode == 0, f"{' '.join(process.args[1:])} failed:\n{stderr_of(process)}"
    return out


def run(command: list[str], database_url: str) -> str:
    with child(command, database_url) as process:
        return finish(process)


def helper(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "tests.concurrent_writer", *arguments]


def last_json_line(output: str) -> Any:
    return json.loads(output.strip().splitlines()[-1])


def wait_until_ready(process: subprocess.Popen) -> None:
    line = process.stdout.readline()
    assert line.strip() == "ready", f"the child did not start: {line!r}\n{stderr_of(process)}"


# -- databases the children share -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file holding a small generated ledger, built once for the module."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    run(helper("prepare"), sqlite_url(path))
    return path


def copy_of(template: Path, folder: Path) -> Path:
    """A copy of a SQLite file, by SQLite's backup API (so pages still in its WAL come too)."""
    path = folder / "ledger.sqlite3"
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    return path


@pytest.fixture
def sqlite_file(sqlite_template, tmp_path) -> Path:
    """A fresh copy of the template, for one test."""
    return copy_of(sqlite_template, tmp_path)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def postgresql_test_database_url() -> str:
    """The URL of the PostgreSQL test database this test run uses, for child processes."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def count_rows(path: Path, sql: str) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchone()[0]


# -- many writers at once on SQLite ---------------------------------------------------------------

# Every writer tags its rows with a slug starting "writer-"; these count what reached the file.
ROWS_WRITTEN = {
    "sources": "SELECT count(*) FROM claims_source WHERE slug LIKE 'writer-%'",
    "claims": "SELECT count(*) FROM claims_claim WHERE slug LIKE 'writer-%'",
    "excerpts": (
        "SELECT count(*) FROM claims_excerpt JOIN claims_source "
        "ON claims_source.id = claims_excerpt.source_id WHERE claims_source.slug LIKE 'writer-%'"
    ),
    "evidence": (
        "SELECT count(*) FROM claims_evidence JOIN claims_claim "
        "ON claims_claim.id = claims_evidence.claim_id WHERE claims_claim.slug LIKE 'writer-%'"
    ),
}


def test_many_writers_at_once_on_sqlite_never_find_it_locked_and_lose_no_row(sqlite_file):
    url = sqlite_url(sqlite_file)
    command = ["write", "--threads", str(WRITER_THREADS), "--seconds", str(WRITE_SECONDS)]
    with ExitStack() as stack:
        writers = [
            stack.enter_context(
                child(helper(*command, "--tag", f"writer-{n}"), url, stdin=subprocess.PIPE)
            )
            for n in range(WRITER_PROCESSES)
        ]
        for writer in writers:
            wait_until_ready(writer)
        for writer in writers:  # all at once: each starts its clock on this line
            writer.stdin.write("go\n")
            writer.stdin.flush()
        reports = [last_json_line(finish(writer)) for writer in writers]

    reported: Counter[str] = Counter()
    for report in reports:
        reported.update(report["successes"])
    errors = [error for report in reports for error in report["errors"]]
    locked = sum(report["locked"] for report in reports)
    in_database = {kind: count_rows(sqlite_file, sql) for kind, sql in ROWS_WRITTEN.items()}
    lost = {kind: reported[kind] - in_database[kind] for kind in ROWS_WRITTEN}
    per_writer = sorted(sum(report["successes"].values()) for report in reports)
    print(
        f"\n{WRITER_PROCESSES} processes x {WRITER_THREADS} threads, "
        f"{max(r['seconds'] for r in reports)} s: {sum(reported.values())} writes "
        f"({dict(reported)}; {per_writer[0]} to {per_writer[-1]} a process), "
        f"{locked} 'database is locked', {len(errors)} other errors, "
        f"rows lost: {sum(lost.values())}"
    )

    assert locked == 0
    assert errors == []
    assert lost == dict.fromkeys(ROWS_WRITTEN, 0), (
        f"reported {dict(reported)}, in the file {in_database}"
    )
    # Every writer took part: at least one claim, quoted, with its evidence.
    assert all(report["successes"].get("evidence", 0) >= 1 for report in reports), reports


# -- racing reviewers and editors -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_races(sqlite_template, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Every race, run once in one child on a SQLite file (a child costs seconds to start)."""
    path = copy_of(sqlite_template, tmp_path_factory.mktemp("races"))
    return last_json_line(run(helper("races"), sqlite_url(path)))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=IN_POSTGRESQL_TEST_DATABASE)])
def run_race(request) -> Callable[[str], dict[str, Any]]:
    """Run one of `concurrent_writer.RACES`: in a child on a SQLite file, or here in threads."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_races").__getitem__
    return lambda name: concurrent_writer.RACES[name]()


def split(outcomes: list[dict[str, Any]]) -> tuple[list, list]:
    return [o for o in outcomes if o["ok"]], [o for o in outcomes if not o["ok"]]


def test_two_reviewers_publishing_at_once_one_publishes_and_the_other_is_told_why(run_race):
    result = run_race("race-publish")

    winners, losers = split(result["outcomes"])
    assert [winner["result"] for winner in winners] == ["published"]
    assert [(loser["error"], loser["message"]) for loser in losers] == [
        (
            "InvalidTransition",
            MESSAGE_WRONG_STATE.format(allowed="in review", done="published", state="published"),
        )
    ]
    assert result["review_state"] == "published"
    assert len(result["publishers"]) == 1, "one review event, by the reviewer who published"
    # Created 1, evidence 2, submitted 3, published 4: one step taken, not two.
    assert result["version"] == 4


def test_two_editors_saving_from_the_same_version_one_wins_the_other_gets_an_edit_conflict(
    run_race,
):
    result = run_race("race-edit")

    winners, losers = split(result["outcomes"])
    assert len(winners) == 1
    winner = winners[0]["result"]
    assert [(loser["error"], loser["message"]) for loser in losers] == [
        ("EditConflict", result["stale_refusal"])
    ]
    # The loser is told who won: "Wording by <editor>." was saved by that editor.
    assert result["stale_refusal"].startswith(winner.removeprefix("Wording by ").rstrip("."))
    assert "you had version 1; it is now at version 2" in result["stale_refusal"]
    assert (result["text"], result["version"]) == (winner, 2)
    # The loser's words were never saved, not even for a moment that history would remember.
    assert result["history"] == ["The original wording.", winner]


def test_two_editors_saving_over_the_api_from_the_same_version_get_a_200_and_a_409(run_race):
    result = run_race("race-edit-api")

    answers = sorted((o["result"] for o in result["outcomes"]), key=lambda a: a["status"])
    assert [answer["status"] for answer in answers] == [200, 409]
    saved, refused = answers
    assert refused["body"] == {"detail": result["stale_refusal"], "code": "stale_version"}
    assert result["stale_refusal"].startswith(result["text"].removeprefix("Wording by ")[:-1])
    assert (saved["body"]["text"], saved["body"]["version"]) == (result["text"], 2)
    assert result["history"] == ["The original wording.", result["text"]]


def test_a_source_text_change_racing_an_excerpt_never_leaves_a_quote_off_its_text(run_race):
    result = run_race("race-text-freeze")

    assert result["problems"] == []
    replaced, cut = result["outcomes"]
    # One of the two went first and the other was told why, never both.
    if replaced["ok"]:
        assert result["text"] == "Entirely new words." and result["excerpts"] == []
        assert not cut["ok"] and cut["error"] == "QuoteNotFound"
    else:
        assert "cannot change" in replaced["message"]
        assert cut["ok"] and result["excerpts"] == ["old words"]


def test_two_editors_writing_a_claim_in_the_same_words_at_once_both_get_theirs(run_race):
    result = run_race("race-create")

    assert [outcome["ok"] for outcome in result["outcomes"]] == [True, True], result
    slugs = sorted(outcome["result"] for outcome in result["outcomes"])
    # The same words, two claims, two addresses: the second takes the next free slug.
    assert (
        slugs
        == result["saved"]
        == [
            "both-editors-wrote-this-at-once",
            "both-editors-wrote-this-at-once-2",
        ]
    )


# -- reads during a long import -------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=IN_POSTGRESQL_TEST_DATABASE)])
def shared_database_url(request) -> str:
    """A database holding a small ledger, which this test and its children can all reach."""
    if request.param == "sqlite":
        return sqlite_url(request.getfixturevalue("sqlite_file"))
    generate_ledger(scale=Scale().scaled(0.005), seed=2, progress=lambda *args: None)
    return postgresql_test_database_url()


def test_public_pages_and_api_lists_keep_answering_while_a_long_import_runs(shared_database_url):
    importing = helper("import", *IMPORT, "--seconds", str(IMPORT_HOLD_SECONDS))
    with child(helper("read", *READ_PATHS), shared_database_url, stdin=subprocess.PIPE) as reader:
        wait_until_ready(reader)
        with child(importing, shared_database_url) as importer:
            # It says "writing" once its first rows are in, "holding" once all are (uncommitted),
            # and prints what it wrote once committed.
            said = [(line.strip(), time.time()) for line in importer.stdout]
            finish(importer)
        reader.stdin.write("stop\n")
        reader.stdin.flush()
        answers = last_json_line(finish(reader))

    began, held = dict(said)["writing"], dict(said)["holding"]
    last_line, committed = said[-1]
    written = json.loads(last_line)
    during = [a for a in answers if began <= a["at"] and a["at"] + a["seconds"] <= committed]
    during_hold = [a for a in during if held <= a["at"]]
    slowest = max(a["seconds"] for a in answers if a["at"] < committed)
    print(
        f"\nimport of {written} ({committed - began:.1f} s in its transaction): "
        f"{len(during)} reads answered during it, {len(during_hold)} while it held every row "
        f"uncommitted; slowest read {slowest:.2f} s"
    )
    assert Counter(answer["status"] for answer in answers) == {200: len(answers)}
    assert {answer["path"] for answer in during_hold} == set(READ_PATHS)
    assert slowest <= SLOWEST_ACCEPTABLE_READ_SECONDS
