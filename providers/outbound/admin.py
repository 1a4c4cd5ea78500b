"""Django admin for the outbound HTTPS log: evidence, so view-only.

The log can hold millions of rows: the changelist orders by the (created_at, id) index, never
counts the whole table, searches by exact value only, and offers a recent-window filter
instead of a date hierarchy (whose year/month lists would scan every row).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.admin import CappedCountPaginator, ReadOnlyModelAdmin, pretty_json
from providers.outbound.models import OutboundRequest


class RecentFilter(admin.SimpleListFilter):
    title = "sent"
    parameter_name = "within"
    WINDOWS = {
        "1h": ("Last hour", timedelta(hours=1)),
        "24h": ("Last 24 hours", timedelta(days=1)),
        "7d": ("Last 7 days", timedelta(days=7)),
        "30d": ("Last 30 days", timedelta(days=30)),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.WINDOWS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        window = self.WINDOWS.get(self.value() or "")
        if window is None:
            return queryset
        return queryset.filter(created_at__gte=timezone.now() - window[1])


class StatusClassFilter(admin.SimpleListFilter):
    """Status classes from fixed ranges (a plain field filter would SELECT DISTINCT the log)."""

    title = "status"
    parameter_name = "status_class"
    RANGES = {
        "2xx": ("2xx success", (200, 299)),
        "4xx": ("4xx client error", (400, 499)),
        "5xx": ("5xx server error", (500, 599)),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(k, label) for k, (label, _) in self.RANGES.items()] + [("none", "No response")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value == "none":
            return queryset.filter(status_code__isnull=True)
        if value in self.RANGES:
            return queryset.filter(status_code__range=self.RANGES[value][1])
        return queryset


@admin.register(OutboundRequest)
class OutboundRequestAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at",
        "provider",
        "connection",
        "route",
        "purpose",
        "account",
        "method",
        "host",
        "path",
        "status_code",
        "latency_ms",
        "attempt",
    ]
    list_filter = [RecentFilter, "route", "purpose", StatusClassFilter, "provider", "connection"]
    # Exact matches only: a LIKE '%…%' over millions of rows would scan them all.
    search_fields = ["=host", "=provider_request_id", "=account"]
    list_select_related = ["provider", "connection"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    exclude = ["request_headers", "response_headers"]
    readonly_fields = ["request_headers_pretty", "response_headers_pretty"]

    @admin.display(description="Request headers (redacted)")
    def request_headers_pretty(self, obj: OutboundRequest) -> str:
        return pretty_json(obj.request_headers)

    @admin.display(description="Response headers")
    def response_headers_pretty(self, obj: OutboundRequest) -> str:
        return pretty_json(obj.response_headers)
