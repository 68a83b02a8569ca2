"""Two login limits: one per account and address, and a higher one per account everywhere.

django-axes locks a username from one address after `AXES_FAILURE_LIMIT` wrong passwords. On its
own that lets a guesser rotate addresses (20 addresses × 4 guesses, then the right password, got
in). Locking a username everywhere at the same low limit would let anyone lock an editor out
with five guesses, so the account-wide limit is higher (`LEDGER_ACCOUNT_FAILURE_LIMIT`, 20):
after that many failures from any addresses within the cool-off, the account refuses every
login, the right password included, until the cool-off has passed or a superuser unlocks it.

Both counts live in django-axes' database table, so every worker and every host sees them.
"""

from __future__ import annotations

import logging
from enum import Enum

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import admin
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone

security_log = logging.getLogger("claims.security")


class Lock(Enum):
    ADDRESS = "address"
    ACCOUNT = "account"


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lock_message(lock: Lock) -> str:
    """What a locked-out person reads, on the admin's login page and from the API alike."""
    minutes = cool_off_minutes()
    if lock is Lock.ACCOUNT:
        return (
            f"This account is locked: {settings.LEDGER_ACCOUNT_FAILURE_LIMIT} logins failed from "
            f"several addresses. It opens again {minutes} minutes after the last failure, or "
            "when an administrator unlocks it."
        )
    return (
        "Too many failed logins for this account from your address. "
        f"Wait {minutes} minutes, or ask an administrator to unlock it."
    )


def _within_cool_off(attempts, request=None):
    """Attempts that still count: those since one cool-off before this login (or now)."""
    if settings.AXES_COOLOFF_TIME is None:
        return attempts
    since = getattr(request, "axes_attempt_time", None) or timezone.now()
    return attempts.filter(attempt_time__gte=since - settings.AXES_COOLOFF_TIME)


def account_failures(username: str | None, *, request=None) -> int:
    """Failed logins for `username` from every address within the cool-off."""
    if not username:
        return 0
    attempts = _within_cool_off(AccessAttempt.objects.filter(username=username), request)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def account_locked(username: str | None, *, request=None) -> bool:
    return account_failures(username, request=request) >= settings.LEDGER_ACCOUNT_FAILURE_LIMIT


def lock_of(request, credentials: dict | None) -> Lock:
    """Which limit a locked-out request hit (the account-wide one wins: it is the wider lock)."""
    username = get_client_username(request, credentials)
    return Lock.ACCOUNT if account_locked(username, request=request) else Lock.ADDRESS


def recent_failures():
    """`account_failures` as an expression over a user queryset (one query for a whole list)."""
    attempts = _within_cool_off(AccessAttempt.objects.filter(username=OuterRef("username")))
    per_username = attempts.values("username").annotate(total=Sum("failures_since_start"))
    return Coalesce(Subquery(per_username.values("total")), 0)


def unlock_account(*, username: str, by) -> int:
    """Forget every failed login of `username` (both limits); return how many records went.

    Only a superuser may: the admin offers it to them alone, and this refuses anyone else.
    """
    if not getattr(by, "is_superuser", False):
        raise PermissionError("Only a superuser may unlock an account.")
    removed, _ = AccessAttempt.objects.filter(username=username).delete()
    security_log.warning("Login lock of %r removed by %r", username, by.get_username())
    return removed


class AccountAndAddressLockout(AxesDatabaseHandler):
    """django-axes' database handler with the account-wide limit added to its own."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return account_locked(get_client_username(request, credentials), request=request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        username = get_client_username(request, credentials)
        failures = account_failures(username, request=request)
        if failures >= settings.LEDGER_ACCOUNT_FAILURE_LIMIT:
            # Every refused login counts, as django-axes counts them (so a guesser who keeps
            # trying keeps the lock on); the lock itself is logged once, when it begins.
            if failures == settings.LEDGER_ACCOUNT_FAILURE_LIMIT:
                security_log.warning(
                    "Account %r locked: failed logins from several addresses", username
                )
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lockout answer (429): the admin's login page saying why, or JSON."""
    message = lock_message(lock_of(request, credentials))
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    context = {**admin.site.each_context(request), "title": "Login locked", "message": message}
    response = TemplateResponse(request, "admin/login_locked.html", context, status=status)
    return response.render()
