"""HTTP Basic for the token login, answering a locked-out account with 429 instead of 401."""

from django.conf import settings
from drf_spectacular.authentication import BasicScheme
from rest_framework import exceptions, status
from rest_framework.authentication import BasicAuthentication

MESSAGE_LOCKED_OUT = (
    "Too many failed logins for this account from your address. Wait {minutes} minutes, "
    "or ask an administrator to unlock it."
)


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class ThrottledBasicAuthentication(BasicAuthentication):
    """django-axes refuses a locked-out account inside `authenticate()`, which Django reports as
    plain bad credentials; say what actually happened, so a client stops retrying."""

    def authenticate_credentials(self, userid, password, request=None):
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                raise LockedOut(MESSAGE_LOCKED_OUT.format(minutes=minutes)) from None
            raise


class ThrottledBasicScheme(BasicScheme):
    """In the OpenAPI schema it is plain HTTP Basic (defining it here registers it)."""

    target_class = ThrottledBasicAuthentication
    match_subclasses = True
