"""Signal wiring: every save/delete of a configuration model becomes an audit event.

pre_save reads the stored row (one SELECT by pk) so post_save can diff stored against saved
state; post_delete records what was removed. Connected per model in `AuditlogConfig.ready()`.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from auditlog import services
from core.audit import configuration_event

_BEFORE_ATTR = "_audit_before"
_SKIP_ATTR = "_audit_skip"
_DISPATCH_PREFIX = "auditlog"


def _pre_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    skip = services.is_bookkeeping_save(kwargs.get("update_fields"))
    setattr(instance, _SKIP_ATTR, skip)
    if not skip:
        setattr(instance, _BEFORE_ATTR, services.load_before(instance))


def _post_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    before = instance.__dict__.pop(_BEFORE_ATTR, None)
    if instance.__dict__.pop(_SKIP_ATTR, False):
        return
    services.audit_save(None if created else before, instance)


def _post_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    services.audit_delete(instance)


def _announced(sender: Any, **event: Any) -> None:
    services.record_event(**{k: v for k, v in event.items() if k != "signal"})


def connect() -> None:
    """Attach the handlers to each audited model (idempotent: dispatch uids per model), and
    record the events other apps announce through `core.audit.announce`."""
    configuration_event.connect(_announced, dispatch_uid=f"{_DISPATCH_PREFIX}:announced")
    for label in services.AUDITED_MODELS:
        model = apps.get_model(label)
        uid = f"{_DISPATCH_PREFIX}:{label}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + ":pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=uid + ":post")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + ":delete")
