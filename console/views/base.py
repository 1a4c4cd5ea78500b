"""What every console page shares: the role flags for the navigation, and simple paging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest


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
