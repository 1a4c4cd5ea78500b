"""Read-only log endpoints. Outbound requests page by keyset cursor (millions of rows)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from byok_admin.permissions import RoleCapability

from .. import queries
from ..forms import OutboundFilterForm
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
