"""The `connections` section of a configuration document: checks and the planned row.

A connection in the document describes the whole connection except its secrets: settings it
omits become blank, while credentials are replaced only when given (export never carries
them, so re-importing an export keeps the stored secrets).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.exceptions import ValidationError

from console.services.config_checks import ConnectionPlan, DocumentChecker
from console.services.upsert import apply_changes
from providers.choices import (
    ConnectionOwner,
    GeminiMode,
    ProviderKind,
)
from providers.endpoints import EndpointNotAllowed, check_endpoint
from providers.models import Connection
from providers.specs import (
    CHOICE_SETTINGS,
    SERVICE_ACCOUNT_KEYS,
    SPECS,
    ConnectionSpec,
    default_owner,
    spec_for,
)

CONNECTION_KEYS = {
    "name",
    "provider",
    "owner",
    "description",
    "is_active",
    "timeout_seconds",
    "credentials",
    "credentials_set",  # written by export to show which secrets are set; ignored on import
}
ALL_SETTINGS = {name for spec in SPECS.values() for name in spec.settings}
DEFAULT_TIMEOUT = 60
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


def plan_connection(planner: DocumentChecker, item: dict, path: str) -> None:
    """Check one connection entry; on success add its planned row to the planner."""
    errors_before = len(planner.errors)
    kind = item.get("provider")
    provider = planner.provider_of(kind, f"{path}.provider")
    spec = spec_for(kind) if provider is not None else None
    allowed = CONNECTION_KEYS | (set(spec.settings) if spec else ALL_SETTINGS)
    planner.unknown_keys(item, allowed, path)
    if spec is None:
        return
    name = item.get("name")
    existing = (
        Connection.objects.select_related("provider").filter(name=name).first()
        if isinstance(name, str)
        else None
    )
    if existing is not None and existing.provider.kind != kind:
        planner.error(
            f"{path}.provider",
            f"connection {name} already exists for {existing.provider.kind}; "
            "a connection cannot change provider",
        )
        return

    owner = item.get("owner", default_owner(spec))
    if owner not in ConnectionOwner.values:
        planner.error(f"{path}.owner", f"must be one of {', '.join(ConnectionOwner.values)}")
    elif owner == ConnectionOwner.PLATFORM and not spec.oem:
        planner.error(f"{path}.owner", f"{kind} has no platform (OEM) connections")
    elif owner == ConnectionOwner.CUSTOMER and not spec.byok:
        planner.error(f"{path}.owner", f'{kind} is platform-managed; set "owner": "platform"')

    if isinstance(name, str) and owner in ConnectionOwner.values:
        planner.known_connections.setdefault(name, (kind, owner))  # named even if invalid
    settings = _settings(planner, item, spec, path)
    errors_before_credentials = len(planner.errors)
    secrets = _credentials(planner, item, spec, settings, path)
    credentials_ok = len(planner.errors) == errors_before_credentials
    if settings.get("endpoint"):
        try:
            settings["endpoint"] = check_endpoint(kind, settings["endpoint"])
        except EndpointNotAllowed as exc:
            planner.error(f"{path}.endpoint", str(exc))
    for required in spec.required_settings:
        if not settings.get(required):
            planner.error(f"{path}.{required}", f"required for {kind}")
    if kind == ProviderKind.GOOGLE_GEMINI and settings.get("mode") == GeminiMode.VERTEX_AI:
        for required in ("project", "location"):
            if not settings.get(required):
                planner.error(f"{path}.{required}", "required for Vertex AI")
    present = set(secrets) | {n for n, v in settings.items() if v}
    if existing is not None:
        present |= existing.secret_names
    if credentials_ok and not spec.auth_satisfied(present):
        first, *others = spec.auth_options
        alternative = " or ".join(" + ".join(option) for option in others)
        suffix = f" (or give {alternative})" if alternative else ""
        for missing in (n for n in first if n not in present):
            planner.error(f"{path}.credentials.{missing}", f"required for {kind}{suffix}")
    extra = _extra_fields(planner, item, path)
    if len(planner.errors) > errors_before:
        return

    conn = existing or Connection(provider=provider, name=name)
    values = {n: settings.get(n, "") for n in spec.settings}
    values.update(owner=owner, **extra)
    changed = apply_changes(conn, values)
    version = conn.secret_version
    conn.set_secrets(secrets)
    if conn.secret_version != version:
        changed.append("secrets")
    try:
        conn.clean_fields(exclude=["secrets", "provider"])
    except ValidationError as exc:
        planner.errors.extend(validation_messages(exc, path))
        return
    planner.plan.connections.append(ConnectionPlan(path, conn, existing is None, changed))


def _settings(
    planner: DocumentChecker, item: dict, spec: ConnectionSpec, path: str
) -> dict[str, str]:
    settings: dict[str, str] = {}
    for name in spec.settings:
        if name not in item:
            continue
        value = item[name]
        max_length = Connection._meta.get_field(name).max_length
        if not isinstance(value, str):
            planner.error(f"{path}.{name}", "must be a string")
        elif max_length and len(value) > max_length:
            planner.error(f"{path}.{name}", f"must be at most {max_length} characters")
        elif value and name in CHOICE_SETTINGS and value not in CHOICE_SETTINGS[name]:
            planner.error(f"{path}.{name}", f"must be one of {', '.join(CHOICE_SETTINGS[name])}")
        else:
            settings[name] = value.strip()
    return settings


def _credentials(
    planner: DocumentChecker, item: dict, spec: ConnectionSpec, settings: dict[str, str], path: str
) -> dict[str, Any]:
    """The secrets given (values never appear in messages); an access key id moves to settings."""
    creds = item.get("credentials", {})
    if not planner.expect_object(creds, f"{path}.credentials"):
        return {}
    secrets: dict[str, Any] = {}
    for name, value in creds.items():
        cpath = f"{path}.credentials.{name}"
        if name == "access_key_id" and name in spec.settings:
            if not isinstance(value, str) or not value.strip():
                planner.error(cpath, "must be a non-empty string")
            elif settings.get(name) and settings[name] != value.strip():
                planner.error(cpath, "differs from the connection's access_key_id")
            else:
                settings[name] = value.strip()
        elif name not in spec.secrets:
            planner.error(cpath, f"unknown credential; {spec.kind} takes {', '.join(spec.secrets)}")
        elif name == "service_account_json":
            info = _parse_json_object(value)
            missing = [k for k in SERVICE_ACCOUNT_KEYS if not (info or {}).get(k)]
            if info is None:
                planner.error(cpath, "must be the service-account JSON object")
            elif missing:
                planner.error(cpath, f"service-account JSON lacks {', '.join(missing)}")
            else:
                secrets[name] = info
        elif not isinstance(value, str) or not value.strip():
            planner.error(cpath, "must be a non-empty string")
        else:
            secrets[name] = value.strip()
    return secrets


def _extra_fields(planner: DocumentChecker, item: dict, path: str) -> dict[str, Any]:
    description = item.get("description", "")
    if not isinstance(description, str) or len(description) > 255:
        planner.error(f"{path}.description", "must be a string of at most 255 characters")
    is_active = item.get("is_active", True)
    if not isinstance(is_active, bool):
        planner.error(f"{path}.is_active", "must be true or false")
    timeout = item.get("timeout_seconds", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 600:
        planner.error(f"{path}.timeout_seconds", "must be a whole number from 1 to 600")
    return {"description": description, "is_active": is_active, "timeout_seconds": timeout}


def _parse_json_object(value: Any) -> dict | None:
    """A service-account JSON may be given as an object or as its text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def validation_messages(exc: ValidationError, path: str) -> list[str]:
    """A model's ValidationError as document lines under `path`."""
    if hasattr(exc, "error_dict"):
        return [
            f"{path}.{name}: {message}" if name != "__all__" else f"{path}: {message}"
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [f"{path}: {message}" for message in exc.messages]
