"""Error answers that the public pages and the API share: JSON under /api/, a page elsewhere."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from ledger.middleware import NullCharacterInRequest

MESSAGE_TOO_LARGE = (
    "The request body is larger than this server accepts ({limit} MB); nothing was saved. "
    "Send less: a quote is a passage of its source, not the source itself."
)
MESSAGE_TOO_MANY_FIELDS = (
    "The request has more form fields or files than this server accepts; send only the fields "
    "the endpoint takes."
)


def too_large_message() -> str:
    return MESSAGE_TOO_LARGE.format(limit=round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20, 1))


def not_found(request, exception=None):
    """404s: JSON for API clients, the ledger's own page for readers."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


MESSAGE_BAD_REQUEST = "This request could not be read. Check the address or the form and try again."


def bad_request(request, exception=None):
    """400s, and 413 for a body over the upload limit: JSON for API clients, a page for people.

    Django sends here every SuspiciousOperation: an oversized or over-long form, a NUL in the
    address (`ledger.middleware`), a disallowed host. The page is rendered without the request,
    since a disallowed host would fail again in the context processors.
    """
    status, message = 400, MESSAGE_BAD_REQUEST
    if isinstance(exception, RequestDataTooBig):
        status, message = 413, too_large_message()
    elif isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        message = MESSAGE_TOO_MANY_FIELDS
    elif isinstance(exception, NullCharacterInRequest):
        message = str(exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    page = render_to_string("400.html", {"status": status, "message": message})
    return HttpResponse(page, status=status)


MESSAGE_SERVER_ERROR = (
    "Something went wrong on our side and nothing was saved; it has been logged. Try again later."
)


def server_error(request):
    """500s: JSON for API clients (who parse the body), a page of the ledger's for readers.

    Rendered without the request's context: whatever failed may fail again there.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": MESSAGE_SERVER_ERROR}, status=500)
    page = render_to_string("500.html", {"message": MESSAGE_SERVER_ERROR})
    return HttpResponse(page, status=500)
