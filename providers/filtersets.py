"""The provider app's FilterSets: one per list, serving the API and the console alike.

As in netbox, a list's filters are defined once, here: the API viewset names the FilterSet
(`filterset_class`) and the console view renders its `form`, so a filter added to one shows on
both, with the same names, checks and messages. Filters take the names people use (kinds,
connection and alias names), not ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field

from providers.choices import ConnectionOwner, HealthStatus, ProviderKind, Purpose, Route
from providers.models import AliasMapping, Connection, HealthCheck, ModelAlias, Provider
from providers.outbound import queries
from providers.outbound.models import OutboundRequest


class ConnectionFilter(django_filters.FilterSet):
    provider = django_filters.ChoiceFilter(
        field_name="provider__kind", choices=ProviderKind.choices
    )
    owner = django_filters.ChoiceFilter(choices=ConnectionOwner.choices)
    health_status = django_filters.ChoiceFilter(choices=HealthStatus.choices)

    class Meta:
        model = Connection
        fields = ["provider", "owner", "is_active", "health_status"]


class ModelAliasFilter(django_filters.FilterSet):
    provider = django_filters.ChoiceFilter(
        field_name="provider__kind", choices=ProviderKind.choices
    )

    class Meta:
        model = ModelAlias
        fields = ["provider", "tier", "capability", "is_primary"]


class AliasMappingFilter(django_filters.FilterSet):
    alias = django_filters.CharFilter(field_name="alias__key")
    connection = django_filters.CharFilter(field_name="connection__name")

    class Meta:
        model = AliasMapping
        fields = ["alias", "connection", "is_active"]


class HealthCheckFilter(django_filters.FilterSet):
    connection = django_filters.CharFilter(field_name="connection__name")

    class Meta:
        model = HealthCheck
        fields = ["connection", "ok", "kind"]


class IntegerFilter(django_filters.NumberFilter):
    """A whole number: `NumberFilter` takes decimals, and `abc` is "Enter a whole number."."""

    field_class = forms.IntegerField


class OutboundFilterForm(forms.Form):
    """The outbound filters' checks beyond each field's own: names become the ids the log's
    indexes hold, and moments become UTC.

    What was typed goes into a message as a parameter, never into its text: django-filter
    formats every message with its parameters (`message % params`), and a `%` in a name
    would otherwise be a 500.
    """

    def clean_provider(self) -> int | None:
        kind = self.cleaned_data.get("provider")
        if not kind:
            return None
        provider = Provider.objects.filter(kind=kind).values_list("id", flat=True).first()
        if provider is None:
            raise forms.ValidationError(
                "Provider %(kind)s is not set up.", code="invalid", params={"kind": kind}
            )
        return provider

    def clean_connection(self) -> int | None:
        name = self.cleaned_data.get("connection")
        if not name:
            return None
        conn = Connection.objects.filter(name=name).values_list("id", flat=True).first()
        if conn is None:
            raise forms.ValidationError(
                "Unknown connection %(name)r.", code="invalid", params={"name": name}
            )
        return conn

    def clean_host(self) -> list[str] | None:
        """The hosts containing the text typed (`queries.hosts_containing`), so the rows are
        then found by the host index; none found is an empty list, which matches no row."""
        fragment = self.cleaned_data.get("host")
        if not fragment:
            return None
        hosts = queries.hosts_containing(fragment, limit=queries.MAX_MATCHING_HOSTS + 1)
        if len(hosts) > queries.MAX_MATCHING_HOSTS:
            raise forms.ValidationError(
                "More than %(most)s hosts contain this; type more of the name.",
                code="invalid",
                params={"most": queries.MAX_MATCHING_HOSTS},
            )
        return hosts

    def clean_since(self) -> datetime | None:
        return _in_utc(self.cleaned_data.get("since"))

    def clean_until(self) -> datetime | None:
        return _in_utc(self.cleaned_data.get("until"))


class OutboundRequestFilter(django_filters.FilterSet):
    """The outbound log's filters (the console's validation page and `/outbound-requests/`).

    The query is not built filter by filter: `queries.filtered` writes it, pinning the index
    of the filter expected to match fewest rows (see there). Each filter names the column it
    matches exactly (`field_name`); `since` and `until` bound the time.
    """

    # A kind (text), though the column it becomes holds the provider's id.
    provider = extend_schema_field(
        {"type": "string", "enum": ProviderKind.values, "description": "Provider kind"}
    )(
        django_filters.ChoiceFilter(
            choices=ProviderKind.choices, label="Provider", empty_label="Any provider"
        )
    )
    connection = django_filters.CharFilter(label="Connection", max_length=100)
    route = django_filters.ChoiceFilter(
        choices=Route.choices, label="Route", empty_label="Any route"
    )
    host = django_filters.CharFilter(
        label="Host contains",
        max_length=255,
        help_text="Any part of the host name, e.g. openai.azure.com or a resource name.",
    )
    path = django_filters.CharFilter(
        label="Path contains", max_length=200, help_text="e.g. /chat/completions"
    )
    status_code = IntegerFilter(label="Status code", min_value=100, max_value=599)
    purpose = django_filters.ChoiceFilter(
        choices=Purpose.choices, label="Purpose", empty_label="Any purpose"
    )
    invocation = django_filters.UUIDFilter(field_name="invocation_id", label="Invocation")
    # The browser's own date picker; ISO 8601 text (with an offset) is taken too, by the API.
    since = django_filters.DateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        label="Since",
        help_text="UTC",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
    )
    until = django_filters.DateTimeFilter(
        field_name="created_at",
        lookup_expr="lt",
        label="Until",
        help_text="UTC",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}),
    )

    # Filters that are not an exact column value, handed to `queries.filtered` by name.
    NOT_EXACT = ("since", "until", "path")

    class Meta:
        model = OutboundRequest
        fields: list[str] = []
        form = OutboundFilterForm

    def filter_queryset(self, queryset: QuerySet[OutboundRequest]) -> QuerySet[OutboundRequest]:
        """`queryset` narrowed by `queries.filtered`, not by each filter's own `filter()`:
        a filter added here needs its column in `queries.FILTERS` (it says so if not)."""
        data: dict[str, Any] = self.form.cleaned_data
        exact = {
            self.filters[name].field_name: value
            for name, value in data.items()
            if name not in self.NOT_EXACT
        }
        return queries.filtered(
            exact,
            since=data.get("since"),
            until=data.get("until"),
            path=data.get("path") or "",
            base=queryset,
        )


def _in_utc(value: datetime | None) -> datetime | None:
    """The moment in UTC. ISO 8601 text may carry any offset under a day, PostgreSQL takes
    none beyond ±15:59; and near the calendar's ends an offset may leave its range."""
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise forms.ValidationError("This moment is out of range.") from exc
