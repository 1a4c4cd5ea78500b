"""What every console page shares: simple paging of a filtered log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django_filters import FilterSet

from console.forms import PageForm


@dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(queryset: QuerySet, number: int | None, size: int = 50) -> Page:
    """One page of an ordered queryset without counting the whole table."""
    number = number or 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


def page_query(request: HttpRequest, number: int) -> str:
    """The current query string with `page` replaced."""
    params = request.GET.copy()
    params["page"] = str(number)
    return params.urlencode()


def filtered_page(request: HttpRequest, filterset: FilterSet) -> dict[str, Any]:
    """The template context of a log page: its filters, the page asked for (newest first)
    and the query strings of the pages around it; no rows while a filter is invalid."""
    pager = PageForm(request.GET)
    rows, prev_query, next_query = None, "", ""
    if filterset.is_valid() and pager.is_valid():
        rows = paginate(filterset.qs.order_by("-created_at", "-id"), pager.cleaned_data["page"])
        if rows.has_next:
            next_query = page_query(request, rows.number + 1)
        if rows.has_previous:
            prev_query = page_query(request, rows.number - 1)
    return {
        "filterset": filterset,
        "pager": pager,
        "rows": rows,
        "next_query": next_query,
        "prev_query": prev_query,
    }
