"""The public facts page's filter (the API has its own strict filters in `claims.api.filters`)."""

import django_filters

from claims.models import Claim, Dispute, Publisher


class FactFilter(django_filters.FilterSet):
    """Verified facts by the question they answer and the publisher that vouches for them."""

    dispute = django_filters.ModelChoiceFilter(
        queryset=Dispute.objects.published(),
        to_field_name="slug",
        empty_label="Any question",
        label="Question",
    )
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
