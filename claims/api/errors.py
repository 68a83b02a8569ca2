"""Turn the ledger's own refusals into HTTP answers with a clear message, never a 500."""

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from claims.rules import anchoring
from claims.services import NeedsReview, workflow
from ledger.errors import MESSAGE_TOO_MANY_FIELDS, too_large_message


def anchoring_error_body(error: anchoring.AnchoringError) -> dict:
    body = {"quote": [error.message]}
    if isinstance(error, anchoring.QuoteNotFound) and error.nearest:
        nearest = error.nearest
        body["nearest_passage"] = {
            "text": nearest.text,
            "start": nearest.start,
            "end": nearest.end,
            "similarity": round(nearest.similarity, 3),
        }
    if isinstance(error, anchoring.QuoteAmbiguous):
        body["occurrences"] = error.occurrences
    return body


def exception_handler(exc, context):
    if isinstance(exc, workflow.EditConflict):
        return Response(
            {"detail": exc.message, "code": "stale_version"}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, workflow.NotAllowed):
        return Response(
            {"detail": exc.message, "code": "not_allowed"}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, (workflow.CommentRequired, workflow.InvalidComment)):
        return Response({"comment": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NeedsReview):
        return Response({"detail": exc.message, "code": "needs_review"}, status=409)
    if isinstance(exc, workflow.WorkflowError):
        return Response(
            {"detail": exc.message, "code": "invalid_state"}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, anchoring.AnchoringError):
        return Response(anchoring_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError):
        return Response(
            {
                "detail": "Evidence depends on this, so it cannot be deleted.",
                "code": "protected",
            },
            status=status.HTTP_409_CONFLICT,
        )
    # Django raises these while reading the body; left alone they become Django's bare HTML 400.
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": too_large_message(), "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return Response(
            {"detail": MESSAGE_TOO_MANY_FIELDS, "code": "too_many_fields"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return drf_exception_handler(exc, context)
