"""Read-only log endpoints. Outbound requests page by keyset cursor (millions of rows)."""

from __future__ import annotations

from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from byok_admin.permissions import RoleCapability
from providers.models import Connection, Provider

from .. import queries
from ..models import AuditEvent
from .serializers import AuditEventSerializer, OutboundRequestSerializer

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


def _datetime(params: dict[str, str], name: str, errors: dict[str, list[str]]) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        errors[name] = ["Use an ISO 8601 date-time, e.g. 2026-11-26T14:00:00Z."]
    return value


class OutboundRequestViewSet(viewsets.GenericViewSet):
    """The outbound HTTPS log: every request sent to a provider, newest first."""

    serializer_class = OutboundRequestSerializer
    permission_classes = [RoleCapability]
    read_capability = "view_logs"
    queryset = queries.OutboundRequest.objects.none()

    def _filters(self, params: dict[str, str]) -> tuple[dict, datetime | None, datetime | None]:
        errors: dict[str, list[str]] = {}
        filters: dict[str, object] = {}
        for name in ("route", "host", "purpose"):
            if params.get(name):
                filters[name] = params[name]
        if params.get("provider"):
            provider = Provider.objects.filter(kind=params["provider"]).values("id").first()
            if provider is None:
                errors["provider"] = [f"Unknown provider {params['provider']!r}."]
            else:
                filters["provider"] = provider["id"]
        if params.get("connection"):
            conn = Connection.objects.filter(name=params["connection"]).values("id").first()
            if conn is None:
                errors["connection"] = [f"Unknown connection {params['connection']!r}."]
            else:
                filters["connection"] = conn["id"]
        if params.get("status_code"):
            if not params["status_code"].isdigit():
                errors["status_code"] = ["A whole number, e.g. 429."]
            else:
                filters["status_code"] = int(params["status_code"])
        if params.get("invocation"):
            filters["invocation"] = params["invocation"]
        since, until = _datetime(params, "since", errors), _datetime(params, "until", errors)
        if errors:
            raise ValidationError(errors)
        return filters, since, until

    @extend_schema(parameters=_OUTBOUND_PARAMS)
    def list(self, request: Request) -> Response:
        params = request.query_params
        filters, since, until = self._filters(params)
        size = params.get("page_size", "50")
        if not size.isdigit() or not 1 <= int(size) <= 500:
            raise ValidationError({"page_size": ["A whole number from 1 to 500."]})
        try:
            result = queries.page(
                queries.filtered(filters, since=since, until=until),
                cursor=params.get("cursor") or None,
                size=int(size),
            )
        except queries.InvalidCursor as exc:
            raise ValidationError({"cursor": [str(exc)]}) from exc
        except ValueError as exc:  # e.g. a malformed invocation id
            raise ValidationError({"detail": [str(exc)]}) from exc
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


class AuditCursor(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Configuration history: who changed what, when, from where (secrets masked)."""

    serializer_class = AuditEventSerializer
    permission_classes = [RoleCapability]
    read_capability = "view_audit"
    pagination_class = AuditCursor
    queryset = AuditEvent.objects.select_related("actor")
    filterset_fields = ["object_type", "object_id", "source", "action", "actor__username"]
