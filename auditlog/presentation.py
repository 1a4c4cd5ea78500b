"""The audit trail in words: field labels instead of column names, the names of related rows
instead of their ids, the labels of choices instead of their codes.

Events store values as they were (ids, codes) so that they stay exact; words are made when
an event is shown, from the models as they are now. A related row deleted since shows as its
model and id. Lookups are batched per related model for a whole page of events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

from auditlog.models import AuditEvent
from auditlog.services import SECRET_PREFIX


@dataclass(frozen=True)
class Change:
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Described:
    """One event, readable: what kind of object, and each change with its words."""

    kind: str  # the model's verbose name, e.g. "connection"
    changes: list[Change]


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except Exception:  # a field removed since the event was written
        return None
    return field if isinstance(field, models.Field) else None


def describe_events(events: Iterable[AuditEvent]) -> dict[int, Described]:
    """Each event's changes in words, by event id; one query per related model on the page."""
    events = list(events)
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for event in events:
        model = _model(event.object_type)
        for name, pair in (event.changes or {}).items():
            field = _field(model, name)
            if field is not None and field.is_relation and field.related_model is not None:
                related = field.related_model
                if isinstance(related, type) and issubclass(related, models.Model):
                    wanted[related].update(v for v in _pair(pair) if v is not None)
    names: dict[type[models.Model], dict[str, str]] = {
        related: {str(o.pk): str(o) for o in related._default_manager.filter(pk__in=ids)}
        for related, ids in wanted.items()
    }
    return {event.pk: _describe(event, names) for event in events}


def with_words(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events, each carrying `described` (its changes in words) for a template."""
    events = list(events)
    described = describe_events(events)
    for event in events:
        event.described = described[event.pk]  # type: ignore[attr-defined]
    return events


def _pair(pair: Any) -> tuple[Any, Any]:
    if isinstance(pair, list) and len(pair) == 2:
        return pair[0], pair[1]
    return None, pair


def _describe(event: AuditEvent, names: dict[type[models.Model], dict[str, str]]) -> Described:
    model = _model(event.object_type)
    kind = str(model._meta.verbose_name) if model is not None else event.object_type
    changes = []
    for name, pair in (event.changes or {}).items():
        old, new = _pair(pair)
        if name.startswith(SECRET_PREFIX):
            changes.append(Change(f"secret {name[len(SECRET_PREFIX) :]}", old, new))
            continue
        field = _field(model, name)
        if field is None:
            changes.append(Change(name.replace("_", " "), old, new))
            continue
        changes.append(
            Change(
                str(field.verbose_name),
                _word(field, old, names),
                _word(field, new, names),
            )
        )
    return Described(kind, changes)


def _word(field: models.Field, value: Any, names: dict[type[models.Model], dict[str, str]]) -> Any:
    if value is None:
        return None
    related = field.related_model if field.is_relation else None
    if isinstance(related, type) and issubclass(related, models.Model):
        known = names.get(related, {})
        return known.get(str(value), f"{related._meta.verbose_name} #{value} (deleted)")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
