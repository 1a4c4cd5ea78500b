"""The outbound HTTPS log over REST: read-only, newest first, keyset pages (millions of rows)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.permissions import RoleCapability
from providers.filtersets import OutboundFilterForm
from providers.outbound import queries
from providers.outbound.models import OutboundRequest

# Fields whose API value is the stored value itself (str, int, JSON or null).
_AS_STORED = (
    "id",
    "route",
    "purpose",
    "account",
    "attempt",
    "method",
    "scheme",
    "host",
    "path",
    "status_code",
    "latency_ms",
    "request_bytes",
    "response_bytes",
    "provider_request_id",
    "error",
    "level",
    "query",
    "request_headers",
    "response_headers",
    "request_body",
    "response_body",
)

# Formats `created_at` as the generated field would, without building the serializer's
# fields (which ModelSerializer derives from the model on first use, every request).
_STAMP = serializers.DateTimeField(read_only=True)


def _uuid_text(value: Any) -> str | None:
    return None if value is None else str(value)


class OutboundRequestSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="kind", read_only=True)
    connection = serializers.SlugRelatedField(slug_field="name", read_only=True)
    invocation = serializers.UUIDField(source="invocation_id", read_only=True)
    agent_run = serializers.UUIDField(source="agent_run_id", read_only=True)

    class Meta:
        model = OutboundRequest
        fields = [
            "id",
            "created_at",
            "provider",
            "connection",
            "route",
            "purpose",
            "account",
            "invocation",
            "agent_run",
            "attempt",
            "method",
            "scheme",
            "host",
            "path",
            "status_code",
            "latency_ms",
            "request_bytes",
            "response_bytes",
            "provider_request_id",
            "error",
            "level",
            "query",
            "request_headers",
            "response_headers",
            "request_body",
            "response_body",
        ]
        read_only_fields = fields

    def to_representation(self, instance: OutboundRequest) -> dict[str, Any]:
        """The same dict DRF's field-by-field walk builds, in a fifth of its time.

        A page is 50 rows of 26 fields; DRF's generic walk (attribute lookup, None check and
        `to_representation` per field, after deriving the fields from the model) took ~5 ms
        of a ~15 ms API page, this ~0.8 ms. Every field here is read as stored (strings,
        integers, JSON, the linked rows' ids) except the timestamp, the provider kind and the
        connection name. A test holds this to DRF's own output.
        """
        data = {name: getattr(instance, name) for name in _AS_STORED}
        data["created_at"] = _STAMP.to_representation(instance.created_at)
        data["provider"] = instance.provider.kind if instance.provider_id is not None else None
        data["connection"] = (
            instance.connection.name if instance.connection_id is not None else None
        )
        data["invocation"] = _uuid_text(instance.invocation_id)
        data["agent_run"] = _uuid_text(instance.agent_run_id)
        return {name: data[name] for name in self.Meta.fields}


_OUTBOUND_PARAMS = [
    OpenApiParameter("provider", str, description="Provider kind, e.g. azure_openai"),
    OpenApiParameter("connection", str, description="Connection name"),
    OpenApiParameter("route", str, enum=["byok", "oem"]),
    OpenApiParameter("host", str),
    OpenApiParameter("status_code", int),
    OpenApiParameter("purpose", str),
    OpenApiParameter("invocation", OpenApiTypes.UUID),
    OpenApiParameter("since", OpenApiTypes.DATETIME),
    OpenApiParameter("until", OpenApiTypes.DATETIME),
    OpenApiParameter("cursor", str, description="next_cursor of the previous page"),
    OpenApiParameter("page_size", int, description="1-500, default 50"),
]


class OutboundRequestViewSet(viewsets.GenericViewSet):
    """The outbound HTTPS log: every request sent to a provider, newest first."""

    serializer_class = OutboundRequestSerializer
    permission_classes = [RoleCapability]
    read_capability = "view_logs"
    queryset = queries.OutboundRequest.objects.none()

    @extend_schema(parameters=_OUTBOUND_PARAMS)
    def list(self, request: Request) -> Response:
        params = request.query_params
        form = OutboundFilterForm(params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        filters, since, until = form.query()
        try:
            result = queries.page(
                queries.filtered(filters, since=since, until=until),
                cursor=params.get("cursor") or None,
                size=form.cleaned_data.get("page_size") or 50,
            )
        except queries.InvalidCursor as exc:
            raise ValidationError({"cursor": [str(exc)]}) from exc
        next_url = None
        if result.next_cursor:
            query = params.copy()
            query["cursor"] = result.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {
                "next": next_url,
                "next_cursor": result.next_cursor,
                "results": self.get_serializer(result.rows, many=True).data,
            }
        )

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        if not str(pk).isdigit():
            raise NotFound()
        row = get_object_or_404(
            queries.OutboundRequest.objects.select_related("provider", "connection"), pk=pk
        )
        return Response(self.get_serializer(row).data)
