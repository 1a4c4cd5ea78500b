"""Django admin for providers, connections and the model catalogue.

Connections go through `ConnectionAdminForm`: secrets are write-only and shown as masked hints;
every change is audited by the audit trail's signals, like any other door.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyModelAdmin
from providers import ownership
from providers.forms import (
    COMMON_SETTINGS,
    CONNECTION_FIELDS,
    SECRET_FIELDS,
    ConnectionAdminForm,
    setting_sections,
)
from providers.models import (
    AliasMapping,
    Connection,
    HealthCheck,
    ModelAlias,
    ModelVersion,
    Provider,
)
from providers.outbound import admin as outbound_admin  # noqa: F401 (registers the log's admin)

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldOpts

# A bulk action runs tests inline in the request: keep it bounded.
MAX_TESTS_PER_ACTION = 10


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "integration_mode", "enabled", "updated_at"]
    list_filter = ["integration_mode", "enabled"]
    search_fields = ["name", "kind", "description"]
    readonly_fields = ["updated_at"]


def _provider_fieldsets() -> list[tuple[str, _FieldOpts]]:
    """One collapsed fieldset per provider section of the specs."""
    return [
        (s.title, {"fields": tuple(s.names), "description": s.description, "classes": ["collapse"]})
        for s in setting_sections()
    ]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionAdminForm
    list_display = [
        "name",
        "provider",
        "owner",
        "is_active",
        "endpoint",
        "stored_secrets",
        "health_status",
        "last_checked_at",
    ]
    list_filter = ["provider", "owner", "is_active", "health_status"]
    search_fields = ["name", "description", "endpoint", "access_key_id", "project", "region"]
    list_select_related = ["provider"]
    readonly_fields = [
        "stored_secrets",
        "secret_version",
        "health_status",
        "consecutive_failures",
        "last_checked_at",
        "last_check_message",
        "created_at",
        "updated_at",
    ]
    actions = ["test_connections"]
    # Derived from the provider specs: a setting added there gets its place here.
    fieldsets = [
        (None, {"fields": [*CONNECTION_FIELDS, *COMMON_SETTINGS]}),
        *_provider_fieldsets(),
        (
            "Credentials (write-only)",
            {
                "fields": ["stored_secrets", *SECRET_FIELDS, "clear_secrets", "secret_version"],
                "description": "Secrets are never shown again once saved; a blank input keeps "
                "the stored value. Each provider uses only its own credentials.",
            },
        ),
        (
            "Health",
            {
                "fields": [
                    "timeout_seconds",
                    "health_status",
                    "consecutive_failures",
                    "last_checked_at",
                    "last_check_message",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    # Platform (OEM) connections: only the platform operator sees or changes them here too.
    def get_queryset(self, request: HttpRequest) -> QuerySet[Connection]:
        return ownership.visible_connections(request.user, super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if ownership.manages_platform(request.user) else [*fields, "owner"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or ownership.may_manage(request.user, obj.owner))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or ownership.may_manage(request.user, obj.owner))

    def save_model(self, request: HttpRequest, obj: Connection, form: Any, change: bool) -> None:
        ownership.require_may_manage(request.user, obj.owner)
        super().save_model(request, obj, form, change)

    @admin.display(description="Stored secrets")
    def stored_secrets(self, obj: Connection) -> str:
        hints = obj.secret_hints or {}
        return ", ".join(f"{name} {hint}" for name, hint in sorted(hints.items())) or "—"

    @admin.action(description="Test connection")
    def test_connections(self, request: HttpRequest, queryset: QuerySet[Connection]) -> None:
        try:
            from providers.services import test_connection
        except ImportError:
            self.message_user(
                request,
                "Connection tests are unavailable in this installation.",
                messages.WARNING,
            )
            return
        for connection in queryset.select_related("provider")[:MAX_TESTS_PER_ACTION]:
            level, text = _run_test(test_connection, connection, request.user)
            self.message_user(request, f"{connection.name}: {text}", level)


def _run_test(test_connection: Any, connection: Connection, user: Any) -> tuple[int, str]:
    """Call the connection test service and phrase its diagnosis as an admin message."""
    kwargs: dict[str, Any] = {}
    params = inspect.signature(test_connection).parameters
    for name in ("user", "triggered_by", "actor"):
        if name in params:
            kwargs[name] = user
    try:
        result = test_connection(connection, **kwargs)
    except Exception as exc:  # an admin action reports, it never shows a traceback
        return messages.ERROR, f"the test could not run ({type(exc).__name__})."
    ok = bool(getattr(result, "ok", False))
    kind = getattr(result, "kind", "") or getattr(result, "diagnosis", "")
    text = getattr(result, "message", "") or ("OK" if ok else "failed")
    latency = getattr(result, "latency_ms", None)
    suffix = f" ({latency} ms)" if latency is not None else ""
    if ok:
        return messages.SUCCESS, f"OK — {text}{suffix}"
    return messages.ERROR, f"{kind or 'failed'} — {text}{suffix}"


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "label",
        "provider",
        "capability",
        "status",
        "released_on",
        "retires_on",
    ]
    list_filter = ["provider", "capability", "status"]
    search_fields = ["name", "label"]
    list_select_related = ["provider"]


@admin.register(ModelAlias)
class ModelAliasAdmin(admin.ModelAdmin):
    list_display = ["key", "provider", "tier", "capability", "default_version", "is_primary"]
    list_filter = ["provider", "tier", "capability", "is_primary"]
    search_fields = ["key", "description", "default_version__name"]
    list_select_related = ["provider", "default_version"]


@admin.register(AliasMapping)
class AliasMappingAdmin(admin.ModelAdmin):
    list_display = ["alias", "connection", "model", "is_active", "updated_at"]
    list_filter = ["is_active", "alias__provider", "connection"]
    search_fields = ["alias__key", "connection__name", "model"]
    list_select_related = ["alias", "connection"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyModelAdmin):
    list_display = ["checked_at", "connection", "kind", "ok", "diagnosis", "latency_ms"]
    list_filter = ["ok", "kind", "diagnosis", "connection__provider"]
    search_fields = ["connection__name", "message"]
    list_select_related = ["connection"]
    date_hierarchy = "checked_at"
