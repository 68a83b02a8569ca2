"""The public pages' filters (the API has its own strict filters in `claims.api.filters`).

A value a page does not know (an old link, a typo) shows the form with its error, and that
filter is left out: never a server error.
"""

import django_filters
from django.db.models import Q

from claims.choices import ClaimStatus, SourceKind, SpeakerKind
from claims.models import Claim, Dispute, Publisher, Source, Speaker


def by_question() -> django_filters.ModelChoiceFilter:
    """Claims by the question they answer, named by its slug: on the facts and claims pages."""
    return django_filters.ModelChoiceFilter(
        queryset=Dispute.objects.published(),
        to_field_name="slug",
        empty_label="Any question",
        label="Question",
    )


class FactFilter(django_filters.FilterSet):
    """Verified facts by the question they answer and the publisher that vouches for them."""

    dispute = by_question()
    publisher = django_filters.ModelChoiceFilter(
        queryset=Publisher.objects.all(),
        to_field_name="slug",
        empty_label="Any publisher",
        method="filter_publisher",
        label="Supported by",
    )

    class Meta:
        model = Claim
        fields = ["dispute", "publisher"]

    def filter_publisher(self, queryset, name, publisher):
        return queryset.supported_by(publisher)


class ClaimFilter(django_filters.FilterSet):
    """Published claims by status, question and who makes them."""

    status = django_filters.ChoiceFilter(
        choices=ClaimStatus.choices, empty_label="Any status", label="Status"
    )
    dispute = by_question()
    speaker = django_filters.ModelChoiceFilter(
        queryset=Speaker.objects.published(),
        to_field_name="slug",
        empty_label="Anyone",
        label="Claimant",
    )

    class Meta:
        model = Claim
        fields = ["status", "dispute", "speaker"]


class DisputeFilter(django_filters.FilterSet):
    """Questions, all or only those the sources answer in rival ways."""

    contested = django_filters.BooleanFilter(
        method="filter_contested",
        label="Contested only",
        widget=django_filters.widgets.BooleanWidget,
    )

    class Meta:
        model = Dispute
        fields = ["contested"]

    def filter_contested(self, queryset, name, value):
        contested = Dispute.objects.contested().values("pk")
        return queryset.filter(pk__in=contested) if value else queryset.exclude(pk__in=contested)


class SourceFilter(django_filters.FilterSet):
    """Sources by publisher (its outlets included) and kind."""

    publisher = django_filters.ModelChoiceFilter(
        queryset=Publisher.objects.filter(part_of=None),
        to_field_name="slug",
        empty_label="Any publisher",
        method="filter_publisher",
        label="Publisher",
    )
    kind = django_filters.ChoiceFilter(
        choices=SourceKind.choices, empty_label="Any kind", label="Kind"
    )

    class Meta:
        model = Source
        fields = ["publisher", "kind"]

    def filter_publisher(self, queryset, name, publisher):
        return queryset.filter(Q(publisher=publisher) | Q(publisher__part_of=publisher))


class SpeakerFilter(django_filters.FilterSet):
    """People and bodies by kind."""

    kind = django_filters.ChoiceFilter(
        choices=SpeakerKind.choices, empty_label="Anyone", label="Kind"
    )

    class Meta:
        model = Speaker
        fields = ["kind"]
