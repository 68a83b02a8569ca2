"""The ledger's vocabularies, in one place: what a status, a stance or a review state can be.

The values of the status rule's words come from `claims.rules.status`, which knows nothing of
Django; here they get the labels that forms, pages and the API show.
"""

from django.db import models

from claims.rules import status


class ClaimStatus(models.TextChoices):
    AGREEMENT = status.AGREEMENT, status.STATUS_LABELS[status.AGREEMENT]
    CONTRADICTION = status.CONTRADICTION, status.STATUS_LABELS[status.CONTRADICTION]
    UNVERIFIED = status.UNVERIFIED, status.STATUS_LABELS[status.UNVERIFIED]


class Stance(models.TextChoices):
    SUPPORTS = status.SUPPORTS, "Supports"
    CONTRADICTS = status.CONTRADICTS, "Contradicts"


class VoiceKind(models.TextChoices):
    """Whose assertion quoted words are: the publisher's own, or a speaker's that it reports."""

    OWN = status.OWN, status.VOICE_KINDS[status.OWN]
    QUOTE = status.QUOTE, status.VOICE_KINDS[status.QUOTE]
    PARAPHRASE = status.PARAPHRASE, status.VOICE_KINDS[status.PARAPHRASE]
    DOCUMENT = status.DOCUMENT, status.VOICE_KINDS[status.DOCUMENT]


class ReviewState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REJECTED = "rejected", "Rejected"


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", "Submitted for review"
    PUBLISH = "publish", "Published"
    REQUEST_CHANGES = "request_changes", "Changes requested"
    REJECT = "reject", "Rejected"
    WITHDRAW = "withdraw", "Withdrawn"
    CORRECT = "correct", "Correction approved"


class SpeakerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"
    GOVERNMENT = "government", "Government body"


class SourceKind(models.TextChoices):
    NEWS_ARTICLE = "news_article", "News article"
    PRESS_RELEASE = "press_release", "Press release"
    BACKGROUND = "background", "Background page"
    STATEMENT = "statement", "Statement"
