"""The ledger is written by the service layer alone: a guard over the whole test suite.

Every write to a ledger row (a model of the claims app) is meant to go through `claims/services/`,
where the rules live: validation, anchoring, statuses, history. This guard watches every test,
the fixtures it uses included, and fails it when a ledger row was saved, updated or deleted by
code that was not called from a module of `claims/services/`, naming the line that wrote it.

What counts as a write: `Model.save()` (so `objects.create()`, `get_or_create()`...) and
`Model.delete()`, seen through the `pre_save` and `pre_delete` signals; `m2m_changed` on the
ledger's many-to-many relations; and the queryset writes that send no signal of their own,
`QuerySet.update()`, `bulk_create()`, `bulk_update()` and `delete()`, wrapped while the guard
is on and reported once per call that wrote a row. Only a write looks at the call stack: it is
allowed when a frame of the stack belongs to `claims/services/` (any module of the package) or
`claims/migrations/`. A report names the nearest line of the project's own code that wrote, the
test or fixture that led there, and what Django was doing: a cascade (a deleted user's claims
lose their author) or a request (a view of the admin or the API).

Not guarded: `LedgerState` (the response cache's change token, written by `ledger/cache.py`) and
simple-history's `Historical*` models (written by its own signal handlers when a service saves).
Raw SQL and `QuerySet._insert` (the backup restore) are not seen, nor is anything a subprocess
writes; a live server's thread is in this process, and its writes count for the running test.

A test that writes outside the services on purpose, to simulate a corrupted row for instance,
says so: `@pytest.mark.writes_outside_services("why")`. Writes made while a broader-scoped
fixture (a module's seeded ledger) was set up for a test are reported with that test, whether
it is marked or not: the marker speaks for the test, not for fixtures it shares.

`collect_writes_outside_services()` is the guard itself, usable on its own (see
tests/test_write_guard.py); the fixtures at the bottom apply it to each test.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, pre_delete, pre_save

APP_LABEL = "claims"
EXEMPT_MODELS = {"ledgerstate"}
MARKER = "writes_outside_services"

ROOT = Path(__file__).resolve().parent.parent
# A write is allowed when one of these directories holds a frame of its call stack.
ALLOWED_DIRS = (ROOT / "claims" / "services", ROOT / "claims" / "migrations")
TESTS_DIR = ROOT / "tests"
QUERYSET_WRITES = ("update", "bulk_create", "bulk_update", "delete")


@dataclass(frozen=True)
class Caller:
    path: str  # relative to the repository
    line: int
    function: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.function}"


@dataclass(frozen=True)
class Write:
    """One write to a ledger row that no service made."""

    model: str  # "claims.Publisher"
    action: str  # "save (insert)", "save (update)", "delete", "QuerySet.update", "m2m add"...
    caller: Caller  # the nearest frame in the project's own code (not Django, not a library)
    origin: Caller | None  # the nearest frame in another file of tests/ (a test, a fixture)
    # What Django was doing: "cascade of deleting auth.User", "during POST /admin/...".
    context: str = ""

    def __str__(self) -> str:
        context = f" [{self.context}]" if self.context else ""
        via = f" (via {self.origin})" if self.origin else ""
        return f"{self.caller}: {self.model} {self.action}{context}{via}"


# -- the stack check ------------------------------------------------------------------------------

ALLOWED, SELF, TESTS, PROJECT, OTHER = range(5)
_kinds: dict[str, tuple[int, str]] = {}  # co_filename -> (kind, path relative to ROOT)

_DJANGO = Path(django.__file__).parent
_COLLECTOR = str(_DJANGO / "db" / "models" / "deletion.py")
_DELETES = {str(_DJANGO / "db" / "models" / "base.py"), str(_DJANGO / "db" / "models" / "query.py")}
_HANDLER = str(_DJANGO / "core" / "handlers" / "base.py")


def _kind_of(filename: str) -> tuple[int, str]:
    known = _kinds.get(filename)
    if known is not None:
        return known
    if filename.startswith("<"):  # <frozen ...>, <string>: not a file of the project
        _kinds[filename] = (OTHER, filename)
        return OTHER, filename
    path = Path(os.path.realpath(filename))
    relative = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    if path == Path(__file__).resolve():
        kind = SELF
    elif any(path.is_relative_to(folder) for folder in ALLOWED_DIRS):
        kind = ALLOWED
    elif not path.is_relative_to(ROOT) or "site-packages" in path.parts or ".venv" in path.parts:
        kind = OTHER
    elif path.is_relative_to(TESTS_DIR):
        kind = TESTS
    else:
        kind = PROJECT
    _kinds[filename] = (kind, relative)
    return kind, relative


def _is_serviced() -> bool:
    """Whether a frame of the current thread's stack belongs to the services (or a migration)."""
    frame = sys._getframe(2)
    while frame is not None:
        if _kind_of(frame.f_code.co_filename)[0] == ALLOWED:
            return True
        frame = frame.f_back
    return False


def _who_wrote(written: str) -> tuple[Caller, Caller | None, str]:
    """The nearest caller in the project's code, the test or fixture that led there, and what
    Django was doing (a cascade, a request). Walks the stack innermost first."""
    caller = origin = fallback = None
    cascade = request = None
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        kind, path = _kind_of(code.co_filename)
        if kind != SELF and (fallback is None or origin is None):
            here = Caller(path, frame.f_lineno, code.co_name)
            fallback = fallback or here
            if caller is None and kind in (TESTS, PROJECT):
                caller = here
            elif origin is None and kind == TESTS and path != caller.path:
                origin = here
        if kind == OTHER and code.co_name == "delete":
            if code.co_filename == _COLLECTOR:
                cascade = cascade or "?"
            elif cascade == "?" and code.co_filename in _DELETES:
                deleted = frame.f_locals.get("self")
                model = getattr(deleted, "model", type(deleted))  # a queryset, or a row
                cascade = model._meta.label if hasattr(model, "_meta") else "?"
        if request is None and code.co_filename == _HANDLER and "request" in frame.f_locals:
            seen = frame.f_locals["request"]
            request = f"{getattr(seen, 'method', '?')} {getattr(seen, 'path', '?')}"
        frame = frame.f_back
    context = [f"cascade of deleting {cascade}"] if cascade and cascade != written else []
    context += [f"during {request}"] if request else []
    return caller or fallback or Caller("?", 0, "?"), origin, ", ".join(context)


# -- collecting ------------------------------------------------------------------------------------

_lock = threading.Lock()
_collectors: list[list[Write]] = []  # innermost last; a write is recorded by the innermost only
_guarded: frozenset[type] = frozenset()
_originals: dict[str, object] = {}


class _State(threading.local):
    # Inside a guarded queryset write: its own saves, deletes and nested updates are not
    # reported again (bulk_update runs update(), delete() sends pre_delete for every row).
    depth = 0


_state = _State()


def _record(model: type, action: str) -> None:
    if not _collectors or _state.depth:
        return
    if _is_serviced():
        return
    write = Write(model._meta.label, action, *_who_wrote(model._meta.label))
    with _lock:
        if _collectors:
            _collectors[-1].append(write)


def _on_save(sender, instance, raw=False, **kwargs) -> None:
    _record(sender, "save (insert)" if instance._state.adding else "save (update)")


def _on_delete(sender, **kwargs) -> None:
    _record(sender, "delete")


def _on_m2m(sender, instance, action, model, **kwargs) -> None:
    if action.startswith("pre_"):
        _record(type(instance), f"m2m {action.removeprefix('pre_')} ({sender._meta.object_name})")


def _rows_written(name: str, result) -> int:
    if name == "delete":
        return result[0]
    return len(result) if name == "bulk_create" else result  # update, bulk_update: a count


def _queryset_write(name: str, original):
    @functools.wraps(original)  # keeps alters_data and queryset_only, which managers read
    def write(self, *args, **kwargs):
        if self.model not in _guarded:
            return original(self, *args, **kwargs)
        _state.depth += 1
        try:
            result = original(self, *args, **kwargs)
        finally:
            _state.depth -= 1
        # Reported when it wrote a row: a cascade's SET_NULL, for one, updates every table that
        # could point at the deleted row, most of them matching nothing.
        if _rows_written(name, result):
            _record(self.model, f"QuerySet.{name}")
        return result

    return write


def guarded_models() -> frozenset[type]:
    """The ledger's models: the claims app's, less the cache token and the history tables."""
    return frozenset(
        model
        for model in apps.get_app_config(APP_LABEL).get_models()
        if model._meta.model_name not in EXEMPT_MODELS
        and not model.__name__.startswith("Historical")
        and not hasattr(model, "instance_type")  # simple-history's models, whatever their name
    )


def _install() -> None:
    global _guarded
    _guarded = guarded_models()
    for model in _guarded:
        pre_save.connect(_on_save, sender=model, weak=False, dispatch_uid=__name__)
        pre_delete.connect(_on_delete, sender=model, weak=False, dispatch_uid=__name__)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:  # an explicit through model is guarded as a model
                m2m_changed.connect(_on_m2m, sender=through, weak=False, dispatch_uid=__name__)
    for name in QUERYSET_WRITES:
        _originals[name] = QuerySet.__dict__[name]
        setattr(QuerySet, name, _queryset_write(name, _originals[name]))


def _uninstall() -> None:
    global _guarded
    for name, original in _originals.items():
        setattr(QuerySet, name, original)
    _originals.clear()
    for model in _guarded:
        pre_save.disconnect(sender=model, dispatch_uid=__name__)
        pre_delete.disconnect(sender=model, dispatch_uid=__name__)
        for field in model._meta.local_many_to_many:
            m2m_changed.disconnect(sender=field.remote_field.through, dispatch_uid=__name__)
    _guarded = frozenset()


@contextmanager
def collect_writes_outside_services() -> Iterator[list[Write]]:
    """Yield the list of the ledger writes made outside the services while the block runs.

    Blocks nest: a write is recorded by the innermost block open, in whichever thread it ran.
    """
    found: list[Write] = []
    with _lock:
        if not _collectors:
            _install()
        _collectors.append(found)
    try:
        yield found
    finally:
        with _lock:
            del _collectors[next(i for i, c in enumerate(_collectors) if c is found)]
            if not _collectors:
                _uninstall()


# -- reporting -------------------------------------------------------------------------------------


def summary(writes: list[Write]) -> str:
    """One line per caller, model and action, with how many times."""
    counts = Counter(writes)
    return "\n".join(
        f"  {write}" + (f" ×{count}" if count > 1 else "") for write, count in counts.items()
    )


def opt_out_reason(node: pytest.Item) -> str | None:
    """The reason a test gives with @pytest.mark.writes_outside_services(reason), if marked."""
    marker = node.get_closest_marker(MARKER)
    if marker is None:
        return None
    reason = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
    if not isinstance(reason, str) or not reason.strip():
        pytest.fail(f"@pytest.mark.{MARKER}(reason) needs the reason why", pytrace=False)
    return reason


def fail_on(writes: list[Write], *, inherited: list[Write] = ()) -> None:
    """Fail the running test if it (or a fixture it needed) wrote outside the services."""
    if not writes and not inherited:
        return
    parts = []
    if writes:
        parts.append(
            f"{len(writes)} write(s) to the ledger outside claims/services/ (route them through"
            f" a service, or mark a test that writes so on purpose with @pytest.mark.{MARKER}"
            f"(reason)):\n{summary(writes)}"
        )
    if inherited:
        parts.append(
            f"{len(inherited)} write(s) to the ledger outside claims/services/ while a broader-"
            f"scoped fixture was set up for this test:\n{summary(inherited)}"
        )
    pytest.fail("\n".join(parts), pytrace=False)


# The writes reported for a test, for tools that want them (e.g. a suite-wide tally).
WRITES_OUTSIDE_SERVICES = pytest.StashKey[list[Write]]()


@pytest.fixture(scope="session", autouse=True)
def _ledger_writes_between_tests() -> Iterator[list[Write]]:
    """Keeps the guard on for the whole session, collecting the writes made between one test's
    own fixtures and the next's: those of module- and session-scoped fixtures."""
    with collect_writes_outside_services() as between:
        yield between


@pytest.fixture(autouse=True)
def _writes_only_through_services(
    request: pytest.FixtureRequest, _ledger_writes_between_tests: list[Write]
) -> Iterator[None]:
    """Fail the test if a ledger row was written outside claims/services/ during it."""
    reason = opt_out_reason(request.node)
    inherited = list(_ledger_writes_between_tests)
    _ledger_writes_between_tests.clear()
    with collect_writes_outside_services() as writes:
        yield
    if reason:
        writes = []
    request.node.stash[WRITES_OUTSIDE_SERVICES] = inherited + writes
    fail_on(writes, inherited=inherited)
