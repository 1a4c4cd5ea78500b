"""Alert endpoints: thin declarations over core.api and the monitoring engine. Log readers
see rules, channels and their history; administrators change them."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import CrudViewSet, NewestFirstCursor, ReadOnlyViewSet
from monitoring.api.serializers import (
    AlertRuleSerializer,
    ChannelSerializer,
    IncidentSerializer,
    NotificationSerializer,
)
from monitoring.models import AlertRule, Channel, Incident, Notification
from monitoring.services.engine import test_send


class ChannelViewSet(CrudViewSet):
    """Notification channels; the webhook URL is write-only."""

    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    read_capability = "view_logs"

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Send a test notification now; the answer is the saved attempt."""
        return Response(NotificationSerializer(test_send(self.get_object())).data)


class AlertRuleViewSet(CrudViewSet):
    queryset = AlertRule.objects.select_related("provider", "connection").prefetch_related(
        "channels"
    )
    serializer_class = AlertRuleSerializer
    read_capability = "view_logs"


class IncidentViewSet(ReadOnlyViewSet):
    serializer_class = IncidentSerializer
    read_capability = "view_logs"
    pagination_class = NewestFirstCursor
    ordering = ("-opened_at", "-id")

    def get_queryset(self) -> QuerySet[Incident]:
        return Incident.objects.select_related("rule")


class NotificationViewSet(ReadOnlyViewSet):
    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    read_capability = "view_logs"
    pagination_class = NewestFirstCursor
