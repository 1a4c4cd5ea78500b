"""Shared building blocks of the REST API, so each endpoint is a few declarative lines.

- `ConsoleViewSet`: the role check (views declare `read_capability` / `write_capability`),
  writes attributed to the caller in the audit trail (token-authenticated callers are only
  known once DRF has authenticated them, after the audit middleware ran), and database
  refusals (protected rows, constraints) answered as 400 instead of 500.
- `CleanModelSerializer`: runs the model's own `full_clean()` (field checks, `clean()`, and
  constraints) on the instance about to be saved, so the API enforces the same rules as the
  console and the admin, and reports them as field errors.
- Pagination, one of each kind: page numbers for catalogues (`CataloguePage`), a cursor
  newest first for logs (`NewestFirstCursor`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.request import Request
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


class NewestFirstCursor(CursorPagination):
    """Logs grow without bound: keyset pages stay fast however deep one reads.

    Every log viewset declares `pagination_class = NewestFirstCursor` and nothing more. A log
    timed by another column (health checks: `checked_at`) names its order in the view's
    `ordering`, DRF's own attribute for a view's default order, instead of subclassing this.
    """

    ordering: str | list[str] | tuple[str, ...] = NEWEST_FIRST
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request: Request, queryset: QuerySet, view: APIView) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None)
        if ordering:
            return (ordering,) if isinstance(ordering, str) else tuple(ordering)
        return super().get_ordering(request, queryset, view)


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
        obj = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
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


class AuditedWrites:
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
