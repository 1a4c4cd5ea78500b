"""One idempotent write: create a row, or update only the fields whose value differs.

Seeding and import both run again and again; saving a row whose values did not change would
bump `updated_at` and write an audit event for nothing. Rows are saved one by one with
`.save()` so the audit signals see every change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


@dataclass
class Tally:
    """How many rows each run created and updated, by model; unchanged rows are not counted."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))

    def summary(self) -> str:
        if not self.changed:
            return "nothing to change"
        parts = [f"{n} {label} created" for label, n in sorted(self.created.items())]
        parts += [f"{n} {label} updated" for label, n in sorted(self.updated.items())]
        return ", ".join(parts)


def _raw(obj: models.Model, name: str) -> Any:
    f = obj._meta.get_field(name)
    return getattr(obj, f.attname)


def _wanted(obj: models.Model, name: str, value: Any) -> Any:
    f = obj._meta.get_field(name)
    if f.is_relation and isinstance(value, models.Model):
        return value.pk
    if value is not None and not f.is_relation:
        return f.to_python(value)
    return value


def apply_changes(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set the fields of `values` that differ on `obj`; return their names (nothing saved)."""
    changed = []
    for name, value in values.items():
        if _raw(obj, name) != _wanted(obj, name, value):
            setattr(obj, name, value)
            changed.append(name)
    return changed


def sync(
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    on_create: dict[str, Any] | None = None,
    tally: Tally | None = None,
) -> tuple[M, bool]:
    """Get the row matching `lookup`, create it, or update the `values` that differ.

    `on_create` holds fields set only when the row is new: the things an administrator owns
    afterwards (integration mode, prices, prompts), which a re-run must not overwrite.
    Returns (row, created-or-changed).
    """
    label = model._meta.verbose_name_plural
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values, **(on_create or {}))
        obj.full_clean()
        obj.save()
        if tally is not None:
            tally.created[label] += 1
        return obj, True
    changed = apply_changes(obj, values)
    if changed:
        obj.full_clean()
        obj.save()
        if tally is not None:
            tally.updated[label] += 1
    return obj, bool(changed)
