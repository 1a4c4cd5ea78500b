"""Shared building blocks of the REST API, so each endpoint is a few declarative lines.

- `ConsoleViewSet`: the role check (views declare `read_capability` / `write_capability`),
  writes attributed to the caller in the audit trail (token-authenticated callers are only
  known once DRF has authenticated them, after the audit middleware ran), and database
  refusals (protected rows, constraints) answered as 400 instead of 500.
- `CleanModelSerializer`: runs the model's own `full_clean()` (field checks, `clean()`, and
  constraints) on the instance about to be saved, so the API enforces the same rules as the
  console and the admin, and reports them as field errors.
- Pagination, one of each kind: page numbers for catalogues (`CataloguePage`), a cursor
  newest first for logs (`NewestFirstCursor`), and that cursor's keyset variant for the
  outbound log's millions of rows (`NewestFirstKeyset`, which says why it differs).
"""

from __future__ import annotations

import base64
import binascii
import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Q, QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.audit import AuditSource, audit_context
from core.permissions import RoleCapability


class CataloguePage(PageNumberPagination):
    """Catalogues hold tens to hundreds of rows: page numbers are enough."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


# Every log reads newest first; the id breaks ties between rows of the same moment.
NEWEST_FIRST = ("-created_at", "-id")
DEFAULT_LOG_PAGE = 50


class NewestFirstCursor(CursorPagination):
    """Logs grow without bound: keyset pages stay fast however deep one reads.

    Every log viewset declares `pagination_class = NewestFirstCursor` and nothing more. A log
    timed by another column (health checks: `checked_at`) names its order in the view's
    `ordering`, DRF's own attribute for a view's default order, instead of subclassing this.
    """

    ordering: str | list[str] | tuple[str, ...] = NEWEST_FIRST
    page_size = DEFAULT_LOG_PAGE
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request: Request, queryset: QuerySet, view: APIView) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None)
        if ordering:
            return (ordering,) if isinstance(ordering, str) else tuple(ordering)
        return super().get_ordering(request, queryset, view)


class NewestFirstKeyset(NewestFirstCursor):
    """`NewestFirstCursor`'s variant for a log of millions of rows: the outbound log.

    Same order, page size and parameters; a different page, for three reasons that keep it
    from being the same class:

    - `CursorPagination` re-orders the queryset it is given. The outbound log's filters
      write their order so that one index serves it (`providers.outbound.queries.filtered`
      pins the narrowest); re-ordered, PostgreSQL may walk the time index instead, 85 to
      325 ms for a host gone quiet rather than 0.1 ms. This class keeps the given order.
    - A page is two steps in one query (`keyset_page`): the page's ids from the index
      alone, then only those rows, so a row a filter rejects costs an index entry, not a
      visit to the table. Its cursor is the last row's (created_at, id), which a client or
      a benchmark can make from any row, rather than a position and an offset among ties.
    - Its answer has always been `{next, next_cursor, results}` (no `previous`), and a bad
      `page_size` is a 400 rather than the default size: clients hold both.

    The rows are read from the view's queryset (its `select_related` and `only` say how
    much of a row and its related rows a page needs); the filtered queryset says which.
    The console's validation page reads the same pages (`providers.outbound.queries.page`).
    """

    def paginate_queryset(
        self, queryset: QuerySet | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        if not isinstance(queryset, QuerySet):
            raise TypeError("A keyset pages a queryset, not a list.")
        self.request = request
        params = request.query_params
        try:
            size = keyset_size(params.get(self.page_size_query_param), self.max_page_size)
        except DjangoValidationError as exc:
            raise ValidationError({self.page_size_query_param: exc.messages}) from exc
        get_queryset = getattr(view, "get_queryset", None)
        try:
            self.keyset = keyset_page(
                queryset,
                cursor=params.get(self.cursor_query_param) or None,
                size=size or DEFAULT_LOG_PAGE,
                read_from=get_queryset() if get_queryset is not None else None,
            )
        except InvalidCursor as exc:
            raise ValidationError({self.cursor_query_param: [str(exc)]}) from exc
        return self.keyset.rows

    def get_next_link(self) -> str | None:
        if not self.keyset.next_cursor:
            return None
        query = self.request.query_params.copy()
        query[self.cursor_query_param] = self.keyset.next_cursor
        return self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self.get_next_link(),
                "next_cursor": self.keyset.next_cursor,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        described = super().get_paginated_response_schema(schema)
        properties = described["properties"]
        del properties["previous"]
        properties["next_cursor"] = {
            "type": "string",
            "nullable": True,
            "description": f"The `{self.cursor_query_param}` of the next page.",
        }
        return described

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = f"1-{self.max_page_size}, default {self.page_size}"
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
            else:
                parameter["description"] = "`next_cursor` of the previous page"
        return parameters


class InvalidCursor(ValueError):
    """The page cursor was not produced by this console."""


@dataclass(frozen=True)
class KeysetPage:
    rows: list[Any]
    next_cursor: str | None


def encode_cursor(row: Any) -> str:
    """The cursor of the page after `row`: its (created_at, id), opaque to a reader."""
    raw = f"{row.created_at.isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor(
            "The page cursor is not valid; start again from the first page."
        ) from exc


def keyset_size(raw: str | None, most: int = NewestFirstKeyset.max_page_size) -> int | None:
    """A page size asked for in a query string (1 to `most`, None if not asked for).

    The API and the console's pages read it here, so both refuse the same values with the
    same words (Django's own for a whole number out of range).
    """
    value: int | None = forms.IntegerField(required=False, min_value=1, max_value=most).clean(raw)
    return value


def keyset_page(
    qs: QuerySet,
    *,
    cursor: str | None = None,
    size: int = DEFAULT_LOG_PAGE,
    read_from: QuerySet | None = None,
) -> KeysetPage:
    """One page of `qs` newest first by (created_at, id), starting after `cursor`.

    `qs`'s own ordering is kept when it has one (it may be written for an index: the same
    order, a filter column first); one without is put in `NEWEST_FIRST` order. The page's
    ids are found first, in a subquery that reads only `qs`'s index (its keys and included
    filter columns), and only those rows are then read from `read_from` (by default the
    model's whole rows): a row that fails a filter costs an index entry, not a visit to the
    table. Still one query.
    """
    if not qs.query.order_by:
        qs = qs.order_by(*NEWEST_FIRST)
    if cursor:
        stamp, pk = decode_cursor(cursor)
        # The redundant `created_at <= stamp` gives the index scan its starting point; the
        # OR alone is only a filter, and a deep page then walks every newer row first.
        qs = qs.filter(created_at__lte=stamp).filter(
            Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk)
        )
    source = read_from if read_from is not None else qs.model._default_manager.all()
    found = list(source.filter(pk__in=qs.values("pk")[: size + 1]).order_by(*NEWEST_FIRST))
    more = len(found) > size
    found = found[:size]
    return KeysetPage(rows=found, next_cursor=encode_cursor(found[-1]) if more and found else None)


def drf_errors(exc: DjangoValidationError) -> dict[str, Any] | list[str]:
    """A model ValidationError as DRF field errors (`__all__` → `non_field_errors`)."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


class SlugRelatedField(serializers.SlugRelatedField):
    """A row by its slug; a NUL byte (refused by PostgreSQL in a query) is a field error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class CleanModelSerializer(serializers.ModelSerializer):
    """Validates the would-be row with the model's own `full_clean()` before saving it."""

    #: model field name → API field name, for error messages (e.g. secrets → credentials)
    error_field_names: dict[str, str] = {}
    #: extra arguments of `full_clean()` (e.g. skip a constraint the save itself upholds)
    clean_kwargs: dict[str, Any] = {}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[models.Model] = self.Meta.model
        obj = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            setattr(obj, name, value)
        self.prepare(obj, attrs)
        try:
            obj.full_clean(**self.clean_kwargs)
        except DjangoValidationError as exc:
            errors = drf_errors(exc)
            if isinstance(errors, dict):
                errors = {self.error_field_names.get(k, k): v for k, v in errors.items()}
            raise ValidationError(errors) from exc
        return attrs

    def prepare(self, obj: models.Model, attrs: dict[str, Any]) -> None:
        """Hook: complete the unsaved copy (e.g. apply secrets) before `full_clean()`."""


class ConsoleViewSet(viewsets.GenericViewSet):
    """Role-checked, audited viewset base; subclasses declare queryset, serializer, roles."""

    permission_classes = [RoleCapability]
    # Typed as DRF's own attribute, so a log viewset may set a cursor class instead.
    pagination_class: type[BasePagination] | None = CataloguePage
    read_capability = "view_config"
    write_capability = "configure"
    # Ids, keys, kinds and names are all slugs; anything else (e.g. a NUL byte, which
    # PostgreSQL refuses in a query) is a 404 at the router, never a database error.
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    @contextmanager
    def audited(self) -> Iterator[None]:
        """Attribute the writes inside to the authenticated caller, through the API."""
        with audit_context(actor=self.request.user, source=AuditSource.API):
            yield

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "request": self.request}


@contextmanager
def _database_refusals() -> Iterator[None]:
    """What the database refuses is the caller's bad input, answered as 400, never 500."""
    try:
        with transaction.atomic():
            yield
    except ProtectedError as exc:
        used_by = sorted({str(obj) for obj in exc.protected_objects})[:5]
        raise ValidationError(
            {"non_field_errors": [f"Still in use by: {', '.join(used_by)}. Remove those first."]}
        ) from exc
    except IntegrityError as exc:
        raise ValidationError(
            {"non_field_errors": ["This conflicts with an existing row (a unique rule)."]}
        ) from exc
    except DjangoValidationError as exc:
        raise ValidationError(drf_errors(exc)) from exc


class AuditedWrites(ConsoleViewSet):
    """Saves and deletes attributed to the caller and guarded against database refusals.

    Listed before DRF's mixins in a viewset's bases so these win over their `perform_*`.
    """

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        with self.audited(), _database_refusals():
            serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        with self.audited(), _database_refusals():
            serializer.save()

    def perform_destroy(self, instance: models.Model) -> None:
        with self.audited(), _database_refusals():
            instance.delete()


class ReadOnlyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ConsoleViewSet):
    """List + retrieve."""


class ReadUpdateViewSet(AuditedWrites, mixins.UpdateModelMixin, ReadOnlyViewSet):
    """List + retrieve + PATCH (no PUT: only the fields a serializer makes writable change)."""

    http_method_names = ["get", "patch", "head", "options"]


class CrudViewSet(
    AuditedWrites,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ReadOnlyViewSet,
):
    """The full set; PUT is left out so partial updates are the one way to change a row."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]


def request_of(serializer: serializers.BaseSerializer) -> Request | None:
    return serializer.context.get("request")
