"""Read-only audit trail endpoint: configuration history, newest first."""

from __future__ import annotations

from rest_framework import mixins, viewsets
from rest_framework.pagination import CursorPagination

from auditlog.api.serializers import AuditEventSerializer
from auditlog.models import AuditEvent
from core.permissions import RoleCapability


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
