"""The test suite's guard: ledger rows are written through claims/services/, or the test fails.

These tests open the guard's collector themselves; a write recorded there is not reported to the
guard that watches every test (the innermost collector takes it), so they pass while showing
what the guard would have said.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import ModuleType

import pytest
from django.db.models.signals import pre_save
from django.http import HttpResponse
from django.urls import path
from django.utils.text import slugify

from claims import services
from claims.models import Claim, LedgerState, Publisher, Speaker
from tests.write_guard import (
    ALLOWED_DIRS,
    ROOT,
    Write,
    collect_writes_outside_services,
    fail_on,
    opt_out_reason,
)

pytestmark = pytest.mark.django_db

THIS_FILE = "tests/test_write_guard.py"


def what(writes: list[Write]) -> list[tuple[str, str]]:
    return [(write.model, write.action) for write in writes]


def function_in(path: Path):
    """A function that creates a publisher directly, compiled as if it were written in `path`:
    the guard knows a module by the file its code comes from."""
    source = (
        "def create_publisher(name):\n"
        "    return Publisher.objects.create(name=name, slug=slugify(name))\n"
    )
    namespace = {"Publisher": Publisher, "slugify": slugify}
    exec(compile(source, str(path), "exec"), namespace)
    return namespace["create_publisher"]


# Test data made "by a service" without depending on the services' signatures, which change.
a_service_creates_publisher = function_in(ALLOWED_DIRS[0] / "a_module_added_later.py")


def as_a_service(write, /, *args, **kwargs):
    """Call `write` from a frame that belongs to claims/services/."""
    namespace = {}
    source = "def run(write, args, kwargs):\n    return write(*args, **kwargs)\n"
    exec(compile(source, str(ALLOWED_DIRS[0] / "a_module_added_later.py"), "exec"), namespace)
    return namespace["run"](write, args, kwargs)


def test_a_direct_create_in_a_test_is_reported():
    with collect_writes_outside_services() as writes:
        Publisher.objects.create(name="Direct", slug="direct")

    assert what(writes) == [("claims.Publisher", "save (insert)")]
    (write,) = writes
    assert write.caller.path == THIS_FILE
    assert write.caller.function == "test_a_direct_create_in_a_test_is_reported"
    assert write.origin is None  # the caller is the test itself


def test_a_write_made_by_a_service_is_not_reported(editor):
    with collect_writes_outside_services() as writes:
        services.publisher_create(name="Guard Gazette", by=editor)

    assert Publisher.objects.filter(slug="guard-gazette").exists()
    assert writes == []


def test_every_module_of_the_service_layer_may_write_and_no_other():
    in_the_ops = function_in(ROOT / "claims" / "ops" / "elsewhere.py")

    with collect_writes_outside_services() as writes:
        a_service_creates_publisher("Served")
        in_the_ops("Not served")

    assert what(writes) == [("claims.Publisher", "save (insert)")]
    (write,) = writes
    # The nearest caller in the project's code, and the test that led to it.
    assert str(write.caller) == "claims/ops/elsewhere.py:2 in create_publisher"
    assert write.origin.path == THIS_FILE
    assert write.origin.function == "test_every_module_of_the_service_layer_may_write_and_no_other"


def test_updates_and_deletes_are_reported_as_well_as_saves():
    publisher = a_service_creates_publisher("Guard Gazette")

    with collect_writes_outside_services() as writes:
        publisher.name = "Renamed"
        publisher.save()
        Speaker.objects.create(name="Someone", slug="someone").delete()

    assert what(writes) == [
        ("claims.Publisher", "save (update)"),
        ("claims.Speaker", "save (insert)"),
        ("claims.Speaker", "delete"),
    ]


def test_a_queryset_update_from_a_test_is_reported():
    publisher = a_service_creates_publisher("Guard Gazette")

    with collect_writes_outside_services() as writes:
        Publisher.objects.filter(pk=publisher.pk).update(name="Renamed behind its back")

    assert what(writes) == [("claims.Publisher", "QuerySet.update")]
    assert writes[0].caller.path == THIS_FILE


def test_bulk_writes_and_queryset_deletes_are_reported_once_each():
    with collect_writes_outside_services() as writes:
        speakers = Speaker.objects.bulk_create(
            [Speaker(name=f"Speaker {n}", slug=f"speaker-{n}") for n in range(3)]
        )
        for speaker in speakers:
            speaker.name += "!"
        Speaker.objects.bulk_update(speakers, ["name"])  # runs update() inside: not counted
        Speaker.objects.filter(slug__startswith="speaker-").delete()  # one per call, not row

    assert what(writes) == [
        ("claims.Speaker", "QuerySet.bulk_create"),
        ("claims.Speaker", "QuerySet.bulk_update"),
        ("claims.Speaker", "QuerySet.delete"),
    ]


def test_a_cascade_names_the_delete_that_caused_it(django_user_model):
    author = django_user_model.objects.create_user("author")
    claim = as_a_service(Claim.objects.create, text="He died.", slug="died", created_by=author)

    with collect_writes_outside_services() as writes:
        author.delete()  # sets claim.created_by to NULL, with a QuerySet.update

    assert what(writes) == [("claims.Claim", "QuerySet.update")]
    assert writes[0].context == "cascade of deleting auth.User"
    claim.refresh_from_db()
    assert claim.created_by is None


def test_a_write_during_a_request_names_the_request(client, settings):
    # Every view writes through the services; one that did not would be reported like this.
    def view_that_writes(request):
        Speaker.objects.create(name="From a view", slug="from-a-view")
        return HttpResponse("written")

    urls = ModuleType("urls")
    urls.urlpatterns = [path("write/", view_that_writes)]
    settings.ROOT_URLCONF = urls
    with collect_writes_outside_services() as writes:
        client.get("/write/?twice=no")

    assert what(writes) == [("claims.Speaker", "save (insert)")]
    assert writes[0].context == "during GET /write/"
    assert writes[0].caller.function == "view_that_writes"
    assert writes[0].origin is None  # a view defined in this test; in a view module, the test


def test_the_cache_token_and_history_rows_are_not_guarded():
    publisher = a_service_creates_publisher("Guard Gazette")

    with collect_writes_outside_services() as writes:
        LedgerState.objects.update_or_create(pk=LedgerState.SINGLETON, defaults={"token": "x"})
        publisher.history.filter(name="Guard Gazette").update(history_change_reason="tidied")

    assert writes == []


def test_reads_and_writes_that_change_no_row_are_not_reported():
    a_service_creates_publisher("Guard Gazette")

    with collect_writes_outside_services() as writes:
        list(Publisher.objects.all())
        Publisher.objects.filter(slug="guard-gazette").exists()
        Publisher.objects.filter(slug="no-such-publisher").update(name="Nobody")  # no row written
        Publisher.objects.filter(slug="no-such-publisher").delete()

    assert writes == []


def test_a_write_in_another_thread_counts_for_the_running_test():
    # A live server answers the browser from a thread of the test process; what its views write
    # belongs to the test that is running. (The signal alone: a thread has a connection of its
    # own, outside the test's transaction.)
    def write_from_a_thread():
        pre_save.send(
            sender=Publisher, instance=Publisher(), raw=False, using="default", update_fields=None
        )

    with collect_writes_outside_services() as writes:
        thread = threading.Thread(target=write_from_a_thread)
        thread.start()
        thread.join()

    assert what(writes) == [("claims.Publisher", "save (insert)")]
    assert writes[0].caller.function == "write_from_a_thread"


def test_the_guard_fails_a_test_naming_each_line_that_wrote():
    def make_two():
        for n in range(2):
            Publisher.objects.create(name=f"Direct {n}", slug=f"direct-{n}")

    with collect_writes_outside_services() as writes:
        make_two()

    fail_on([])  # nothing written, nothing to say
    with pytest.raises(pytest.fail.Exception) as failure:
        fail_on(writes)

    message = str(failure.value)
    assert message.startswith("2 write(s) to the ledger outside claims/services/")
    assert "@pytest.mark.writes_outside_services(reason)" in message
    assert f"{THIS_FILE}:" in message
    assert "in make_two: claims.Publisher save (insert)" in message
    assert message.rstrip().endswith("×2")  # the same line twice is one line of the report


@pytest.mark.writes_outside_services("proves that a marked test may write directly")
def test_a_marked_test_may_write_outside_the_services():
    # Unmarked, the guard watching every test would fail this one at teardown.
    Publisher.objects.create(name="On purpose", slug="on-purpose")


def test_the_marker_needs_a_reason(request):
    class Marked:
        def __init__(self, mark):
            self.mark = mark

        def get_closest_marker(self, name):
            return self.mark if self.mark.name == name else None

    assert opt_out_reason(request.node) is None
    given = pytest.mark.writes_outside_services("a corrupted row for verify_ledger").mark
    assert opt_out_reason(Marked(given)) == "a corrupted row for verify_ledger"
    with pytest.raises(pytest.fail.Exception, match="needs the reason"):
        opt_out_reason(Marked(pytest.mark.writes_outside_services().mark))
