"""The editors' and reviewers' desk, split by concern: sources, claims, change requests.

Every write here goes through `claims.services`: the desk enforces the same rules as the API.
"""

from claims.admin import accounts, changes, claims, sources  # noqa: F401 (registers the admins)
