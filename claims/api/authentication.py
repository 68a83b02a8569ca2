"""HTTP Basic for the API token login: the one place a password meets the API."""

from django.http.multipartparser import MultiPartParserError
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions, status
from rest_framework.authentication import BasicAuthentication

from claims.rules import typed_text
from ledger.login_limits import lock_message, lock_of


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class LoginBasicAuthentication(BasicAuthentication):
    """HTTP Basic that cannot be used to get around the login lockout.

    - A locked-out account is answered 429 with the reason: django-axes refuses it inside
      `authenticate()`, which Django would report as plain bad credentials.
    - The form body is read before any password is checked: django-axes records a failure with
      the request's form data, and a body it cannot read (over the size limit, malformed) would
      make it fail before recording, so wrong passwords would never count and a 200 would still
      tell the right one. Such a body is refused (413/400) first.
    - A NUL in the decoded name or password is wrong credentials: Base64 carries it past every
      check on the raw header, and PostgreSQL cannot hold it (a 500 otherwise).
    """

    def authenticate(self, request):
        try:
            request._request.POST  # noqa: B018 (reading it is the point)
        except MultiPartParserError as error:
            raise exceptions.ParseError(f"Multipart form parse error - {error}") from error
        return super().authenticate(request)

    def authenticate_credentials(self, userid, password, request=None):
        if typed_text.NULL_CHARACTER in userid + password:
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                lock = lock_of(request, {"username": userid})
                raise LockedOut(lock_message(lock)) from None
            raise


class LoginBasicScheme(BasicScheme):
    """In the OpenAPI schema it is plain HTTP Basic (defining it here registers it)."""

    target_class = LoginBasicAuthentication
    match_subclasses = True
