"""Deployment checks of our own, run by `manage.py check --deploy` next to Django's."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

W_SHARED_STATE = Warning(
    "The API's throttle counts live in each worker's memory, so N workers allow N times the "
    "documented rate.",
    hint="Set LEDGER_REDIS_URL (e.g. redis://127.0.0.1:6379/0) so that every worker shares them.",
    id="ledger.W001",
)


@register(deploy=True)
def shared_state_check(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    return [W_SHARED_STATE] if backend.endswith("LocMemCache") else []
