"""Concurrent writers, racing reviewers and editors, and readers, for `tests/test_concurrency.py`.

The scenarios run in threads, in this process (the PostgreSQL tests call the races directly) or
in a child process, `python -m tests.concurrent_writer MODE`, with `DATABASE_URL` naming a
database the test can also reach. SQLite needs the child: an in-memory test database cannot be
shared between processes, and its shared-cache locking is not the file locking that WAL and
IMMEDIATE transactions are about. Modes: `prepare` (migrate, write a small ledger), `races`,
`write`, `read` and `import`. A child prints one JSON object as the last line of its output.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import django

if __name__ == "__main__":
    # A child process: Django must be configured before the models below are imported.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ledger.settings")
    django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from claims import services
from claims.models import Claim, ReviewEvent, Source  # noqa: E402
from claims.ops.generation import Scale, generate_ledger  # noqa: E402
from claims.ops.integrity import find_problems  # noqa: E402
from claims.services import claims as claim_services  # noqa: E402
from claims.services import workflow  # noqa: E402
from claims.services.common import stale_message  # noqa: E402
from tests import factories  # noqa: E402

# How long a racer pauses between reading the claim and saving it. Long enough that, were nothing
# serialising the two racers, both would read the same version before either wrote.
SLOW_STEP_SECONDS = 0.3
# How long a racer may wait at the starting line or for the other racer before the race is void.
RACE_TIMEOUT_SECONDS = 60
# Quotable markers in each writer thread's share of its source text: far more than 5 s of writes.
MARKERS_PER_THREAD = 5000
LOCKED_MESSAGES = ("database is locked", "database table is locked")

Outcome = dict[str, Any]


def race(calls: list[Callable[[], Any]]) -> list[Outcome]:
    """Run each call in its own thread, all released at once; say what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome] = [
        {"ok": False, "error": "Timeout", "message": "never finished"}
    ] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=RACE_TIMEOUT_SECONDS)
            outcomes[index] = {"ok": True, "result": call()}
        except Exception as error:  # what a racer raised is the result under test
            outcomes[index] = {"ok": False, "error": type(error).__name__, "message": str(error)}
        finally:
            # Each thread has its own connection; leaving it open would keep the test database
            # busy (PostgreSQL refuses to drop a database with open sessions).
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=RACE_TIMEOUT_SECONDS)
    return outcomes


@contextmanager
def slowed(owner: object, name: str) -> Iterator[None]:
    """Make `owner.name` pause after it returns: the racers' read-to-write window, widened."""
    original = getattr(owner, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(SLOW_STEP_SECONDS)
        return result

    with mock.patch.object(owner, name, slow):
        yield


def _claim_in_review(author) -> Claim:
    claim = services.claim_create(
        text="He was beaten by guards.", dispute=factories.dispute(), by=author
    )
    excerpt = services.excerpt_create(
        source=factories.source(), quote="savage beating by prison guards", by=author
    )
    services.evidence_add(
        claim=claim, excerpt=excerpt, stance="supports", by=author, expected_version=claim.version
    )
    claim.refresh_from_db()
    return workflow.claim_transition(
        claim=claim, action=ReviewEvent.Action.SUBMIT, by=author, expected_version=claim.version
    )


def race_publish() -> dict[str, Any]:
    """Two reviewers publish the same claim at the same moment."""
    author = factories.user("publish-race-author", "Editors")
    reviewers = [factories.user(f"publish-race-reviewer-{n}", "Reviewers") for n in (1, 2)]
    claim = _claim_in_review(author)

    def publish(reviewer) -> str:
        return workflow.claim_transition(
            claim=claim,
            action=ReviewEvent.Action.PUBLISH,
            by=reviewer,
            expected_version=services.NO_VERSION_CHECK,
        ).review_state

    with slowed(workflow, "check_transition"):
        outcomes = race([lambda r=reviewer: publish(r) for reviewer in reviewers])
    claim.refresh_from_db()
    return {
        "outcomes": outcomes,
        "review_state": claim.review_state,
        "version": claim.version,
        "publishers": list(
            claim.review_events.filter(action=ReviewEvent.Action.PUBLISH).values_list(
                "actor_name", flat=True
            )
        ),
    }


def _draft_for_two_editors(race: str) -> tuple[Claim, list]:
    editors = [factories.user(f"{race}-race-editor-{n}", "Editors") for n in (1, 2)]
    claim = services.claim_create(text="The original wording.", by=editors[0])
    return claim, editors


def _edit_result(claim: Claim, outcomes: list[Outcome]) -> dict[str, Any]:
    claim.refresh_from_db()
    return {
        "outcomes": outcomes,
        "text": claim.text,
        "version": claim.version,
        "history": list(claim.history.order_by("history_id").values_list("text", flat=True)),
        # What a save from version 1 is told now, by someone other than the one who saved.
        "stale_refusal": stale_message(claim, 1, by=None),
    }


def race_edit() -> dict[str, Any]:
    """Two editors save the same draft, both from version 1, through the service."""
    claim, editors = _draft_for_two_editors("edit")

    def save(editor) -> str:
        return services.claim_update(
            claim=claim, by=editor, expected_version=1, text=f"Wording by {editor.username}."
        ).text

    with slowed(claim_services, "check_version"):
        outcomes = race([lambda e=editor: save(e) for editor in editors])
    return _edit_result(claim, outcomes)


def race_edit_api() -> dict[str, Any]:
    """Two editors PATCH the same draft, both from version 1, through the API."""
    claim, editors = _draft_for_two_editors("api")

    def patch(editor) -> dict[str, Any]:
        client = APIClient()
        client.force_authenticate(editor)
        response = client.patch(
            f"/api/v1/claims/{claim.pk}/",
            {"text": f"Wording by {editor.username}.", "version": 1},
            format="json",
        )
        return {"status": response.status_code, "body": response.json()}

    with slowed(claim_services, "check_version"):
        outcomes = race([lambda e=editor: patch(e) for editor in editors])
    return _edit_result(claim, outcomes)


def race_create() -> dict[str, Any]:
    """Two editors write a claim in the same words at the same moment (so, the same slug)."""
    editors = [factories.user(f"create-race-editor-{n}", "Editors") for n in (1, 2)]
    words = "Both editors wrote this at once."

    def create(editor) -> str:
        return services.claim_create(text=words, by=editor).slug

    with slowed(services, "unique_slug"):
        outcomes = race([lambda e=editor: create(e) for editor in editors])
    return {
        "outcomes": outcomes,
        "saved": sorted(Claim.objects.filter(text=words).values_list("slug", flat=True)),
    }


def race_text_freeze() -> dict[str, Any]:
    """An editor replaces a source's text while another cuts an excerpt from the old text."""
    by = factories.author()
    source = services.source_create(
        title="A source being corrected",
        text="The old words of the source, soon to be replaced.",
        publisher=services.publisher_for(name_or_slug="freeze-race-publisher", by=by),
        by=by,
    )

    def replace() -> str:
        return services.source_update(source=source, by=by, text="Entirely new words.").text

    def cut() -> str:
        return services.excerpt_create(source=source, quote="old words", by=by).text

    # The model checks "no excerpt quotes this text" just before writing it: widen that moment.
    with slowed(Source, "refuse_text_change_if_quoted"):
        outcomes = race([replace, cut])
    source.refresh_from_db()
    return {
        "outcomes": outcomes,
        "problems": list(find_problems()),
        "excerpts": list(source.excerpts.values_list("text", flat=True)),
        "text": source.text,
    }


RACES: dict[str, Callable[[], dict[str, Any]]] = {
    "race-text-freeze": race_text_freeze,
    "race-publish": race_publish,
    "race-edit": race_edit,
    "race-edit-api": race_edit_api,
    "race-create": race_create,
}


def prepare() -> dict[str, int]:
    """Migrate an empty database and write a small synthetic ledger into it, for readers."""
    call_command("migrate", verbosity=0)
    return generate_ledger(scale=Scale().scaled(0.005), seed=1, progress=lambda *args: None)


def write(*, tag: str, threads: int, seconds: float, go: Callable[[], None]) -> dict[str, Any]:
    """Write claims, excerpts and evidence from `threads` threads for `seconds` after `go()`.

    Every row is tagged (slugs start with `tag`), so the test can count what reached the
    database and compare it with the successes reported here.
    """
    writer_account = factories.author()
    text = " ".join(
        f"<{tag}-t{t}-{i:05d}>" for t in range(threads) for i in range(MARKERS_PER_THREAD)
    )
    source = services.source_create(
        title=f"Source written by {tag}",
        slug=f"{tag}-source",
        text=text,
        publisher=services.publisher_for(name_or_slug=f"{tag}-publisher", by=writer_account),
        by=writer_account,
    )
    connection.close()
    successes: Counter[str] = Counter({"sources": 1})
    errors: Counter[str] = Counter()
    lock = threading.Lock()

    def attempt(kind: str, service: Callable[..., Any], **arguments: Any) -> Any:
        try:
            result = service(**arguments)
        except Exception as error:  # every failure is counted and reported, not hidden
            with lock:
                errors[f"{type(error).__name__}: {error}"] += 1
            return None
        with lock:
            successes[kind] += 1
        return result

    def writer(t: int, deadline: float) -> None:
        try:
            for i in range(MARKERS_PER_THREAD):
                if time.monotonic() >= deadline:
                    return
                marker = f"{tag}-t{t}-{i:05d}"
                claim = attempt(
                    "claims",
                    services.claim_create,
                    text=f"Claim {marker}, written at the same time as others.",
                    slug=marker,
                    by=writer_account,
                )
                excerpt = attempt(
                    "excerpts",
                    services.excerpt_create,
                    source=source,
                    quote=f"<{marker}>",
                    by=writer_account,
                )
                if claim is not None and excerpt is not None:
                    attempt(
                        "evidence",
                        services.evidence_add,
                        claim=claim,
                        excerpt=excerpt,
                        stance="supports",
                        by=writer_account,
                        expected_version=claim.version,
                    )
        finally:
            connection.close()

    go()
    started = time.monotonic()
    deadline = started + seconds
    pool = [threading.Thread(target=writer, args=(t, deadline)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {
        "tag": tag,
        "threads": threads,
        "seconds": round(time.monotonic() - started, 2),
        "successes": dict(successes),
        "errors": dict(errors),
        "locked": sum(n for e, n in errors.items() if any(m in e for m in LOCKED_MESSAGES)),
    }


def read(*, paths: list[str], ready: Callable[[], None], stop: threading.Event) -> list[Outcome]:
    """GET each path in turn, as an anonymous reader, until `stop` is set; time every answer."""
    client = Client()
    for path in paths:  # warm up (imports, URL resolvers, templates) before the clock matters
        client.get(path)
    ready()
    answers = []
    while not stop.is_set():
        for path in paths:
            started = time.time()
            status = client.get(path).status_code
            answers.append(
                {"path": path, "status": status, "at": started, "seconds": time.time() - started}
            )
    return answers


def import_slowly(*, scale: float, text_size: int, seed: int, hold: float) -> dict[str, int]:
    """Generate a synthetic ledger in one transaction that stays open `hold` s once it is written.

    This is `manage.py generate_ledger` (without its final ANALYZE) on a slow day: the pause after
    the last insert, with every row written and not yet committed, is when a reader would wait
    if writers blocked readers. It says "writing" when its first rows are in (the transaction is
    open), "holding" when it starts the pause.
    """
    said: set[str] = set()

    def progress(phase: str, done: int, total: int) -> None:
        if "writing" not in said:
            said.add("writing")
            _say("writing")
        if phase == "evidence" and done >= total:
            _say("holding")
            time.sleep(hold)

    size = Scale(text_size=text_size).scaled(scale)
    return generate_ledger(scale=size, seed=seed, progress=progress)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _wait_for_go() -> None:
    """Tell the parent we are ready, then wait for its go (a line on standard input)."""
    _say("ready")
    sys.stdin.readline()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["prepare", "races", "write", "read", "import"])
    parser.add_argument("--tag", default="writer")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0, help="write, or import's hold")
    parser.add_argument("--scale", type=float, default=0.01, help="import: of generate_ledger")
    parser.add_argument("--text-size", type=int, default=20_000, help="import: of each source")
    parser.add_argument("--seed", type=int, default=7, help="import: its slugs are gen<seed>-…")
    parser.add_argument("paths", nargs="*", help="read: the paths to GET")
    args = parser.parse_args()
    # The Django test client and the API client speak to the host `testserver`.
    setup_test_environment()

    if args.mode == "prepare":
        result: Any = prepare()
    elif args.mode == "races":
        result = {name: scenario() for name, scenario in RACES.items()}
    elif args.mode == "write":
        result = write(tag=args.tag, threads=args.threads, seconds=args.seconds, go=_wait_for_go)
    elif args.mode == "import":
        result = import_slowly(
            scale=args.scale, text_size=args.text_size, seed=args.seed, hold=args.seconds
        )
    else:
        stop = threading.Event()

        def stop_on_input() -> None:
            sys.stdin.readline()
            stop.set()

        threading.Thread(target=stop_on_input, daemon=True).start()
        result = read(paths=args.paths, ready=lambda: _say("ready"), stop=stop)
    _say(json.dumps(result))


if __name__ == "__main__":
    main()
