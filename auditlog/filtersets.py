"""The audit trail's FilterSet, serving the API (`/audit-events/`) and the console alike.

As in netbox, the filters are defined once: the API viewset names the FilterSet and the
console's audit page renders its `form`, so a filter added here shows on both.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from auditlog.models import AuditEvent
from core.audit import AuditAction, AuditSource


class AuditEventFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter(
        method="filter_object_type",
        label="Object type",
        # The column's length, for the browser; a longer value simply matches nothing.
        widget=forms.TextInput(attrs={"maxlength": 60}),
    )
    object_id = django_filters.CharFilter(label="Object id")
    source = django_filters.ChoiceFilter(
        choices=AuditSource.choices, label="Source", empty_label="Any source"
    )
    action = django_filters.ChoiceFilter(
        choices=AuditAction.choices, label="Action", empty_label="Any action"
    )
    actor__username = django_filters.CharFilter(label="Actor")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "source", "action", "actor__username"]

    def filter_object_type(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        """Types are stored as lowercase model labels (`providers.connection`). Lowering
        what was typed matches them whatever its case, as the console always has, and
        keeps the lookup an equality the (object_type, object_id) index serves."""
        return queryset.filter(object_type=value.lower())
