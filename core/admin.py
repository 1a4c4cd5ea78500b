"""Django admin: the site's titles and the shared bases every app's admin builds on.

The console (the `console` app's views) is where administrators work; the Django admin is the
superuser's back office. Logs are evidence, so their admins are view-only.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.html import format_html

admin.site.site_header = "BYOK Console administration"
admin.site.site_title = "BYOK Console admin"
admin.site.index_title = "Configuration, logs and schedules"

# Past this many rows the admin stops counting: a COUNT(*) over millions of log rows would
# cost more than the page itself.
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP rows (a LIMITed subquery), so big tables page cheaply."""

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list  # a QuerySet in every admin that uses this paginator
        return int(rows[:COUNT_CAP].count())


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """View-only admin for logs: no add, change or delete, even for superusers."""

    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def pretty_json(value: Any) -> str:
    """Indented JSON in a <pre>, for read-only JSON columns (diffs, traces, headers)."""
    if value in (None, "", [], {}):
        return "—"
    return format_html(
        "<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, default=str)
    )
