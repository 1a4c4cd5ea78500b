"""The configuration audit trail: one AuditEvent per change, with a field diff, secrets hidden.

Model saves are audited in one place (the signal handlers in `signals.py` call `audit_save` and
`audit_delete`), so no view, form, serializer, import or command has to remember to do it. The
actor and the door come from `core.audit`. Events that are not a model save (a key
rotation) go through `record_event`.

Diff format: ``{"field": [before, after]}``; on create ``before`` is None, on delete ``after``
is None. A connection's secrets appear, for the names that changed, only as the fact of the
change: ``{"secrets.<name>": [None, "set"]}`` when added, ``["set", "changed"]`` when replaced,
``["set", None]`` when removed (or deleted with the row). Nothing derived from the value is
recorded — no hint of its last characters, no length, no hash, no ciphertext — so reading the
trail tells an auditor *that* a credential moved and who moved it, never anything about it.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, cast

from django.db import models

from auditlog.models import AuditEvent
from core import crypto
from core.audit import AuditAction, AuditSource, current
from core.fields import Ciphertext, EncryptedJSONField

# Configuration, not logs: these are the models whose changes an auditor must be able to see.
AUDITED_MODELS: tuple[str, ...] = (
    "providers.Provider",
    "providers.Connection",
    "providers.ModelVersion",
    "providers.ModelAlias",
    "providers.AliasMapping",
    "skills.Skill",
    "skills.SkillVariant",
    "skills.ModelProviderPolicy",
    "skills.VersionOverride",
    "skills.RateLimitRule",
    "skills.ModelPrice",
    "skills.Agent",
    "skills.AgentTool",
    "skills.GuardrailSetting",
    "skills.DataPattern",
    "skills.PrivacyPolicy",
    "skills.ProviderAllowance",
    "skills.Budget",
    "monitoring.AlertRule",
    "monitoring.Channel",
)

# Written by health checks and timestamps, not by an administrator: never a configuration change.
BOOKKEEPING_FIELDS: frozenset[str] = frozenset(
    {"health_status", "consecutive_failures", "last_checked_at", "last_check_message", "updated_at"}
)
# Derived from the secrets: never shown (the secrets diff says what changed, value-free).
SECRET_SIDE_FIELDS: frozenset[str] = frozenset({"secret_hints", "secret_version"})
SECRET_PREFIX = "secrets."
# The two words a secret's side of a diff may hold (None: no secret there).
SECRET_SET = "set"
SECRET_CHANGED = "changed"

Changes = dict[str, list[Any]]


def record_event(
    *,
    action: str,
    object_type: str,
    object_id: Any = "",
    object_repr: str = "",
    changes: dict[str, Any] | None = None,
    actor: Any = None,
    source: str | None = None,
) -> AuditEvent:
    """Write one audit event for something that is not a model save (e.g. a key rotation).

    Actor and source default to the current audit context, so callers inside a request or an
    `audit_context(...)` block need not pass them.
    """
    ctx = current()
    actor = actor if actor is not None else ctx.actor
    actor_id = getattr(actor, "pk", None)
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_label=actor.get_username() if actor_id else "",
        source=source or ctx.source or AuditSource.SYSTEM,
        action=action,
        object_type=object_type[:60],
        object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:255],
        changes=changes or {},
    )


def object_type_of(instance: models.Model) -> str:
    """`providers.connection`: the model label, the key the audit views filter on."""
    return instance._meta.label_lower


def is_bookkeeping_save(update_fields: Any) -> bool:
    """True for saves that only touch health/timestamp columns (nothing to audit)."""
    return bool(update_fields) and set(update_fields) <= BOOKKEEPING_FIELDS


def load_before(instance: models.Model) -> models.Model | None:
    """The row as the database holds it now, so the diff compares stored with saved state."""
    if instance.pk is None:
        return None
    return type(instance)._base_manager.filter(pk=instance.pk).first()


def audit_save(before: models.Model | None, instance: models.Model) -> AuditEvent | None:
    """Record a create (no `before`) or an update; nothing when no audited field changed."""
    if before is None:
        changes = diff(None, instance)
        action = AuditAction.CREATE
    else:
        changes = diff(before, instance)
        if not changes:
            return None
        action = AuditAction.UPDATE
        if "integration_mode" in changes and instance._meta.label == "providers.Provider":
            action = AuditAction.SWITCH
    return _record_for(instance, action, changes)


def audit_delete(instance: models.Model) -> AuditEvent:
    return _record_for(instance, AuditAction.DELETE, diff(instance, None))


def _record_for(instance: models.Model, action: str, changes: Changes) -> AuditEvent:
    return record_event(
        action=action,
        object_type=object_type_of(instance),
        object_id=instance.pk,
        object_repr=_safe_str(instance),
        changes=changes,
    )


def _safe_str(instance: models.Model) -> str:
    try:
        return str(instance)
    except Exception:  # a __str__ following a deleted relation must not block the audit
        return f"{instance._meta.verbose_name} {instance.pk}"


# -- diffing ---------------------------------------------------------------------------------


def diff(before: models.Model | None, after: models.Model | None) -> Changes:
    """Field-level diff of two states of one row (None = the row does not exist)."""
    state = after if after is not None else before
    if state is None:
        return {}
    model = type(state)
    changes: Changes = {}
    for field in _audited_fields(model):
        old = _value(field, before)
        new = _value(field, after)
        if before is None and _is_empty(new):
            continue
        if after is None and _is_empty(old):
            continue
        if old != new:
            changes[field.name] = [old, new]
    if any(isinstance(f, EncryptedJSONField) for f in model._meta.concrete_fields):
        changes.update(_secret_changes(before, after))
    return changes


def _audited_fields(model: type[models.Model]) -> list[models.Field]:
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or isinstance(field, EncryptedJSONField):
            continue
        if field.name in BOOKKEEPING_FIELDS or field.name in SECRET_SIDE_FIELDS:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        fields.append(field)
    return fields


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _value(field: models.Field, instance: models.Model | None) -> Any:
    """A JSON-safe, comparable form of a field's value (FKs as their id)."""
    if instance is None:
        return None
    value = getattr(instance, field.attname)
    if value is None:
        return None
    if isinstance(field, models.DecimalField):
        try:
            value = decimal.Decimal(str(value)).quantize(
                decimal.Decimal(10) ** -field.decimal_places
            )
        except decimal.InvalidOperation:
            return str(value)
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


# -- secrets ---------------------------------------------------------------------------------


def _secret_changes(before: models.Model | None, after: models.Model | None) -> Changes:
    """Which secrets were added, replaced or removed: the fact of it, nothing of the value."""
    old_names = _secret_names(before)
    new_names = _secret_names(after)
    if before is None or after is None:
        names = old_names | new_names
    else:
        names = _changed_secret_names(before, after)
    return {
        SECRET_PREFIX + name: secret_pair(had=name in old_names, has=name in new_names)
        for name in sorted(names)
    }


def secret_pair(*, had: bool, has: bool) -> list[str | None]:
    """A secret's diff entry: added ``[None, "set"]``, replaced ``["set", "changed"]``, removed
    ``["set", None]``."""
    if not had:
        return [None, SECRET_SET]
    if not has:
        return [SECRET_SET, None]
    return [SECRET_SET, SECRET_CHANGED]


def _raw_secrets(instance: models.Model) -> Any:
    return instance.__dict__.get("secrets")


def _secret_names(instance: models.Model | None) -> set[str]:
    """The names of the secrets the row holds: from the new values when the caller just set
    them, else from the stored hints' keys (no decryption needed)."""
    if instance is None:
        return set()
    raw = _raw_secrets(instance)
    if isinstance(raw, dict):
        return set(raw)
    return set(_stored_hints(instance))


def _stored_hints(instance: models.Model) -> dict[str, str]:
    return dict(getattr(instance, "secret_hints", None) or {})


def _changed_secret_names(before: models.Model, after: models.Model) -> set[str]:
    old_raw, new_raw = _raw_secrets(before), _raw_secrets(after)
    # Secrets not touched since the row was loaded: the same token, nothing changed.
    if new_raw is None or (isinstance(new_raw, Ciphertext) and str(new_raw) == str(old_raw or "")):
        return set()
    try:
        old_values = cast(Any, before).secrets
        new_values = cast(Any, after).secrets
    except crypto.SecretDecryptionError:
        # Cannot compare values: report every secret the hints or the version say moved (the
        # hints only decide which names to report; they are never written to the diff).
        old_hints, new_hints = _stored_hints(before), _stored_hints(after)
        names = {n for n in set(old_hints) | set(new_hints) if old_hints.get(n) != new_hints.get(n)}
        if not names and getattr(before, "secret_version", None) != getattr(
            after, "secret_version", None
        ):
            names = set(new_hints)
        return names
    return {
        name
        for name in set(old_values) | set(new_values)
        if old_values.get(name) != new_values.get(name)
    }
