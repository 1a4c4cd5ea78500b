"""Read-only audit trail endpoint: configuration history, newest first."""

from __future__ import annotations

from auditlog.api.serializers import AuditEventSerializer
from auditlog.filtersets import AuditEventFilter
from auditlog.models import AuditEvent
from core.api import NewestFirstCursor, ReadOnlyViewSet


class AuditEventViewSet(ReadOnlyViewSet):
    """Configuration history: who changed what, when, from where (secrets only as set, changed or removed)."""

    serializer_class = AuditEventSerializer
    read_capability = "view_audit"
    pagination_class = NewestFirstCursor
    filterset_class = AuditEventFilter
    queryset = AuditEvent.objects.select_related("actor")
