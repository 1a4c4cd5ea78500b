"""The `connections` section of a configuration document: checks and the planned row.

A connection in the document describes the whole connection except its secrets: settings it
omits become blank, while credentials are replaced only when given (export never carries
them, so re-importing an export keeps the stored secrets).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from console.services.config_checks import ConnectionPlan, DocumentChecker
from console.services.upsert import apply_changes
from providers import ownership
from providers.choices import ConnectionOwner
from providers.models import Connection
from providers.specs import (
    SETTING_NAMES,
    ConnectionSpec,
    SettingError,
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
ALL_SETTINGS = set(SETTING_NAMES)
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
    existing_owner = existing.owner if existing is not None else None
    if existing is not None and existing.provider.kind != kind:
        planner.error(
            f"{path}.provider",
            f"connection {name} already exists for {existing.provider.kind}; "
            "a connection cannot change provider",
        )
        return

    owner = item.get("owner", default_owner(spec))
    if not planner.manages_platform and ConnectionOwner.PLATFORM in {owner, existing_owner}:
        planner.error(path, f"{ownership.REFUSAL[:-1]}; leave them out of the document")
        return
    if owner not in ConnectionOwner.values:
        planner.error(f"{path}.owner", f"must be one of {', '.join(ConnectionOwner.values)}")
    elif owner == ConnectionOwner.PLATFORM and not spec.oem:
        planner.error(f"{path}.owner", f"{kind} has no platform (OEM) connections")
    elif owner == ConnectionOwner.CUSTOMER and not spec.byok:
        planner.error(f"{path}.owner", f'{kind} is platform-managed; set "owner": "platform"')

    if isinstance(name, str) and owner in ConnectionOwner.values:
        planner.known_connections.setdefault(name, (kind, owner))  # named even if invalid
    settings, invalid = _settings(planner, item, spec, path)
    errors_before_credentials = len(planner.errors)
    secrets = _credentials(planner, item, spec, settings, path)
    credentials_ok = len(planner.errors) == errors_before_credentials
    for name, why in spec.missing_settings(settings):
        if name not in invalid:  # given, and already reported as invalid
            planner.error(f"{path}.{name}", f"required for {why or kind}")
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
) -> tuple[dict[str, str], set[str]]:
    """The valid settings given, each checked by its spec (an endpoint comes back normalised),
    and the names of those found invalid."""
    settings: dict[str, str] = {}
    invalid: set[str] = set()
    for name in spec.settings:
        if name not in item:
            continue
        try:
            settings[name] = spec.field(name).clean(item[name])
        except SettingError as exc:
            planner.error(f"{path}.{name}", exc.phrase)
            invalid.add(name)
    return settings, invalid


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
        if name in spec.settings and spec.field(name).in_credentials:
            try:
                value = spec.field(name).clean_given(value)
            except SettingError as exc:
                planner.error(cpath, exc.phrase)
                continue
            if settings.get(name) and settings[name] != value:
                planner.error(cpath, f"differs from the connection's {name}")
            else:
                settings[name] = value
        elif name not in spec.secrets:
            planner.error(cpath, f"unknown credential; {spec.kind} takes {', '.join(spec.secrets)}")
        else:
            try:
                secrets[name] = spec.field(name).clean(value)
            except SettingError as exc:
                planner.error(cpath, exc.phrase)
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


def validation_messages(exc: ValidationError, path: str) -> list[str]:
    """A model's ValidationError as document lines under `path`."""
    if hasattr(exc, "error_dict"):
        return [
            f"{path}.{name}: {message}" if name != "__all__" else f"{path}: {message}"
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [f"{path}: {message}" for message in exc.messages]
