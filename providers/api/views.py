"""Provider endpoints: thin declarations over core.api and the provider services."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from core.api import (
    CrudViewSet,
    NewestFirstCursor,
    ReadOnlyViewSet,
    drf_errors,
)
from providers import filtersets, ownership, services
from providers.api.serializers import (
    AliasMappingSerializer,
    ConnectionSerializer,
    ConnectionTestSerializer,
    DiagnosisSerializer,
    HealthCheckSerializer,
    IntegrationSwitchSerializer,
    ModelAliasSerializer,
    ProviderSerializer,
)
from providers.integrations import IntegrationError, set_integration_mode
from providers.models import AliasMapping, Connection, HealthCheck, ModelAlias, Provider


class ProviderViewSet(mixins.UpdateModelMixin, ReadOnlyViewSet):
    """Providers by kind; PATCH switches the integration mode (OEM ↔ BYOK)."""

    queryset = Provider.objects.all()
    serializer_class = ProviderSerializer
    lookup_field = "kind"
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(request=IntegrationSwitchSerializer, responses=ProviderSerializer)
    def partial_update(self, request: Request, kind: str | None = None) -> Response:
        """Switch mode; 400 lists what the new mode lacks, unless `force` is true."""
        provider = self.get_object()
        switch = IntegrationSwitchSerializer(data=request.data)
        switch.is_valid(raise_exception=True)
        try:
            with self.audited():
                provider = set_integration_mode(
                    provider,
                    switch.validated_data["integration_mode"],
                    force=switch.validated_data["force"],
                )
        except IntegrationError as exc:
            raise ValidationError(drf_errors(exc)) from exc
        return Response(self.get_serializer(provider).data)


class ConnectionViewSet(CrudViewSet):
    """Connections, addressed by name (or, failing that, by id). Secrets are write-only.

    Tenant roles neither see nor write platform (OEM) connections (see providers.ownership).
    """

    serializer_class = ConnectionSerializer
    filterset_class = filtersets.ConnectionFilter

    def get_queryset(self) -> QuerySet[Connection]:
        queryset = Connection.objects.select_related("provider")
        return ownership.visible_connections(self.request.user, queryset)

    def perform_create(self, serializer: BaseSerializer) -> None:
        ownership.require_may_manage(self.request.user, serializer.validated_data["owner"])
        super().perform_create(serializer)

    def perform_update(self, serializer: BaseSerializer) -> None:
        assert isinstance(serializer.instance, Connection)
        current = serializer.instance.owner
        given = serializer.validated_data.get("owner", current)
        ownership.require_may_manage(self.request.user, current, given)
        super().perform_update(serializer)

    def perform_destroy(self, instance: Model) -> None:
        assert isinstance(instance, Connection)
        ownership.require_may_manage(self.request.user, instance.owner)
        super().perform_destroy(instance)

    def get_object(self) -> Connection:
        key = self.kwargs["pk"]
        queryset = self.filter_queryset(self.get_queryset())
        conn = queryset.filter(name=key).first()
        if conn is None and key.isascii() and key.isdigit():
            conn = queryset.filter(pk=int(key)).first()
        if conn is None:
            raise Http404
        self.check_object_permissions(self.request, conn)
        return conn

    @extend_schema(request=ConnectionTestSerializer, responses=DiagnosisSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Run the connection test now (a real minimal call); the diagnosis says what to fix."""
        conn = self.get_object()
        params = ConnectionTestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        diagnosis = services.test_connection(
            conn, user=request.user, model=params.validated_data.get("model")
        )
        return Response(DiagnosisSerializer(diagnosis).data)


class ModelAliasViewSet(ReadOnlyViewSet):
    """The console's alias catalogue (read-only; map aliases through alias-mappings)."""

    queryset = ModelAlias.objects.select_related("provider", "default_version")
    serializer_class = ModelAliasSerializer
    filterset_class = filtersets.ModelAliasFilter
    lookup_field = "key"


class AliasMappingViewSet(CrudViewSet):
    """BYOK alias → connection + model; one active per alias (a new one retires the old)."""

    queryset = AliasMapping.objects.select_related("alias", "connection__provider")
    serializer_class = AliasMappingSerializer
    filterset_class = filtersets.AliasMappingFilter


class HealthCheckViewSet(ReadOnlyViewSet):
    """Health-check and connection-test history, newest first."""

    serializer_class = HealthCheckSerializer
    filterset_class = filtersets.HealthCheckFilter
    read_capability = "view_logs"
    pagination_class = NewestFirstCursor
    ordering = ("-checked_at", "-id")  # checks are timed by `checked_at`

    def get_queryset(self) -> QuerySet[HealthCheck]:
        return HealthCheck.objects.select_related("connection", "triggered_by")
