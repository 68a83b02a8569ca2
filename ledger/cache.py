"""Anonymous reads answered from a cache that every write to the ledger invalidates at once.

The public sees only published content, and most requests are the same few pages and API lists,
so an anonymous GET is answered from a shared response cache. Entries are keyed by the ledger's
*change token*: one row (`LedgerState`) holding a random token that is replaced after every
committed write, so a publication or withdrawal is visible on the very next request, in every
worker, with no list of keys to invalidate. A random token rather than a counter, because a
counter would repeat after a rollback or a restore and serve pages of another database's past.

Writes are noticed from the model signals of the claims app (every write path goes through
`save()`/`delete()`, see tests/test_history.py); the few bulk writers that bypass signals
(`generate_ledger`, `import_ledger`) call `ledger_changed()` themselves.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import set_response_etag

RESPONSE_CACHE = "responses"
# Only what anonymous visitors can read is cached: the public pages and the read API. The admin,
# the API's auth endpoints and anything sent with credentials go straight through; the API's
# schema and docs follow the code, not the data (and are read without a database).
UNCACHED_PREFIXES = ("/admin/", "/api/v1/auth/", "/api/schema/", "/api/docs/", "/static/")


def change_token() -> str:
    """The token of the ledger's current state: one primary-key read, written as plain SQL
    because it runs on every anonymous request and the ORM would cost more than the query."""
    from claims.models import LedgerState

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT token FROM {LedgerState._meta.db_table} WHERE id = %s",  # noqa: S608
            [LedgerState.SINGLETON],
        )
        row = cursor.fetchone()
    return row[0] if row else "unset"


def _replace_token() -> None:
    from claims.models import LedgerState

    LedgerState.objects.update_or_create(
        pk=LedgerState.SINGLETON, defaults={"token": uuid.uuid4().hex}
    )


def ledger_changed() -> None:
    """Replace the change token once the current transaction commits (at once outside one).

    Registered once per transaction however many rows it writes; a rolled-back transaction
    drops the callback with it, so the token only moves for changes that happened.
    """
    if connection.in_atomic_block and any(
        callback is _replace_token for _, callback, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(_replace_token)


# Rows of the claims app that readers never see: the token itself, and each person's desk
# settings (written whenever someone opens the desk's front page).
UNPUBLISHED_MODELS = frozenset({"ledgerstate", "deskpreferences"})


def _on_write(sender, **kwargs) -> None:
    if sender._meta.app_label == "claims" and sender._meta.model_name not in UNPUBLISHED_MODELS:
        ledger_changed()  # history rows included: a revert in the admin writes only those


def connect_signals() -> None:
    post_save.connect(_on_write, dispatch_uid="ledger.cache.saved")
    post_delete.connect(_on_write, dispatch_uid="ledger.cache.deleted")


def _is_cacheable(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(UNCACHED_PREFIXES):
        return False
    # Anyone signed in, or sending a token, may see drafts: their answers are never shared. The
    # middleware runs before the session is loaded, so "signed in" is "has a session cookie".
    return not (
        "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES
    )


def _is_shareable(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


class AnonymousResponseCacheMiddleware:
    """Serve anonymous GETs of public pages and the read API from the shared response cache.

    It sits just inside `ConditionalGetMiddleware`, so a cached answer still gets its 304, and
    before sessions, CSRF and authentication, which an anonymous read from the cache does not
    need; the headers those inner layers add (CSP, X-Frame-Options) are stored with the answer.
    Cached answers skip the API's anonymous throttle: they cost next to nothing to serve.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.LEDGER_RESPONSE_CACHE_SECONDS or not _is_cacheable(request):
            return self.get_response(request)
        cache = caches[RESPONSE_CACHE]
        # The whole address, host and scheme included: answers carry absolute links.
        request_key = f"{request.build_absolute_uri()}\n{request.META.get('HTTP_ACCEPT', '')}"
        key = f"{change_token()}:{hashlib.sha256(request_key.encode()).hexdigest()}"
        response = cache.get(key)
        if response is not None:
            return response
        response = self.get_response(request)
        if _is_shareable(response):
            # The ETag is computed once here, not on every hit by ConditionalGetMiddleware.
            set_response_etag(response)
            cache.set(key, _stored(response), settings.LEDGER_RESPONSE_CACHE_SECONDS)
        return response


def _stored(response) -> HttpResponse:
    """The bytes and headers alone: a DRF response would also pickle the data it was rendered
    from, which costs more to load than the rendering saved."""
    return HttpResponse(response.content, status=response.status_code, headers=response.headers)
