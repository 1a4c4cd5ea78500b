"""Django admin for the audit trail: evidence, so view-only."""

from __future__ import annotations

from django.contrib import admin

from auditlog.models import AuditEvent
from core.admin import CappedCountPaginator, ReadOnlyModelAdmin, pretty_json


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "actor_label", "source", "action", "object_type", "object_repr"]
    list_filter = ["action", "source", "object_type"]
    search_fields = ["object_repr", "actor_label", "=object_id"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    paginator = CappedCountPaginator
    exclude = ["changes"]
    readonly_fields = ["diff"]

    @admin.display(description="Changes (secrets: set, changed or removed)")
    def diff(self, obj: AuditEvent) -> str:
        return pretty_json(obj.changes)
