"""The editors' and reviewers' desk."""

from claims.admin import _all  # noqa: F401
