"""Refuse a request whose address or headers carry a NUL character, before any view reads them."""

from django.core.exceptions import SuspiciousOperation

from claims.rules.typed_text import NULL_CHARACTER

MESSAGE_NULL_IN_REQUEST = (
    "The address or a header of this request contains a null character (%00), which no page, "
    "search or filter of the ledger accepts. Remove it and try again."
)


class NullCharacterInRequest(SuspiciousOperation):
    """A NUL in the path, the query string or a header: never legitimate, often a probe."""


class RefuseNullCharactersMiddleware:
    """Answer 400 to a NUL in the path, the query or a header, however it reached us.

    Views, filters, the admin's changelists and token lookups all pass such values to the
    database, and PostgreSQL cannot hold NUL in text: without this, each would be a 500. Raised
    as a SuspiciousOperation, it is logged as a probe and rendered by `ledger.errors.bad_request`.
    Bodies are left to forms and serializers, which refuse NUL field by field.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if carries_null_character(request):
            raise NullCharacterInRequest(MESSAGE_NULL_IN_REQUEST)
        return self.get_response(request)


def carries_null_character(request) -> bool:
    if NULL_CHARACTER in request.path_info:
        return True
    for key, values in request.GET.lists():
        if NULL_CHARACTER in key or any(NULL_CHARACTER in value for value in values):
            return True
    return any(
        NULL_CHARACTER in value
        for name, value in request.META.items()
        if name.startswith("HTTP_") and isinstance(value, str)
    )
