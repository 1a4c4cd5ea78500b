"""FilterSets of the provider endpoints: filter by the names people use (kinds, keys)."""

from __future__ import annotations

import django_filters

from providers.choices import ConnectionOwner, HealthStatus, ProviderKind
from providers.models import AliasMapping, Connection, HealthCheck, ModelAlias


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
