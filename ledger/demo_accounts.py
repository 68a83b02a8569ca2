"""Demo accounts: their passwords are published (the README lists them), so they work only in
development.

`make run` creates them for a newcomer. A database made that way can reach production (copied,
or carried by `export_ledger`); there, with `DJANGO_DEBUG=0`, their published passwords are
refused at every login (the admin form and the API's token login both go through
`authenticate()`), and a restore turns them into accounts that cannot log in until someone sets
a password.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

# username, published password, group, full name
DEMO_USERS = [
    ("editor", "editor-demo", "Editors", "Edna Editor"),
    ("editor2", "editor2-demo", "Editors", "Ed Second"),
    ("reviewer", "reviewer-demo", "Reviewers", "Rita Reviewer"),
    ("reviewer2", "reviewer2-demo", "Reviewers", "Ray Second"),
]
PUBLISHED_PASSWORDS = {username: password for username, password, _, _ in DEMO_USERS}


def is_published_login(username: str | None, password: str | None) -> bool:
    return username is not None and PUBLISHED_PASSWORDS.get(username) == password


class PublishedPasswordsRefused:
    """Placed before Django's own backend: a demo login outside development stops here.

    An authentication backend with no `get_user`, on purpose: it never logs anyone in, so
    sessions (and `force_login`) keep naming the backend that did.
    """

    def authenticate(self, request, username=None, password=None, **credentials):
        if not settings.DEBUG and is_published_login(username, password):
            raise PermissionDenied("A demo account's published password is refused here.")
        return None


def demo_accounts_with_published_passwords(user_model) -> list[str]:
    """The demo accounts that still log in with their published password."""
    return [
        user.username
        for user in user_model._default_manager.filter(username__in=PUBLISHED_PASSWORDS)
        if user.check_password(PUBLISHED_PASSWORDS[user.username])
    ]


def demo_accounts_disabled(user_model) -> list[str]:
    """Give every demo account that still has its published password an unusable one; return
    their usernames. Used by a restore outside development."""
    disabled = []
    for user in user_model._default_manager.filter(username__in=PUBLISHED_PASSWORDS):
        if user.check_password(PUBLISHED_PASSWORDS[user.username]):
            user.set_unusable_password()
            user.save(update_fields=["password"])
            disabled.append(user.username)
    return disabled
