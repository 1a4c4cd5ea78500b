"""A short-lived, per-process cache of resolutions for the invocation hot path.

Resolving a skill reads five to seven configuration rows (policy, alias, overrides, variant,
mapping) and was a third of the worker's CPU per invocation. Configuration changes rarely and
invocations arrive by the hundred per second, so a worker reuses a resolution for at most
SKILLS_RESOLUTION_CACHE_SECONDS (default 1; 0 turns the cache off):

- in this process, any save or delete of a configuration row clears the cache at once;
- another process's change (the console's web process) reaches a worker within that bound.

Failures are never cached, so a fixed link is picked up on the next call. The console's own
views call `resolution.resolve` directly and always see the current configuration.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from providers.models import AliasMapping, Connection, ModelAlias, ModelVersion, Provider

from ..models import ModelProviderPolicy, Skill, SkillVariant, VersionOverride
from .resolution import Resolution, resolve

CONFIG_MODELS = (
    Provider,
    ModelAlias,
    ModelVersion,
    AliasMapping,
    Connection,
    ModelProviderPolicy,
    VersionOverride,
    SkillVariant,
    Skill,
)
DEFAULT_SECONDS = 1.0

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, Resolution]] = {}


def ttl() -> float:
    value = getattr(settings, "SKILLS_RESOLUTION_CACHE_SECONDS", None)
    if value in (None, ""):
        value = os.environ.get("SKILLS_RESOLUTION_CACHE_SECONDS", "")
    return float(value) if str(value).strip() else DEFAULT_SECONDS


def clear(**_: object) -> None:
    with _lock:
        _entries.clear()


for _model in CONFIG_MODELS:
    post_save.connect(clear, sender=_model, dispatch_uid=f"resolution-cache-save-{_model.__name__}")
    post_delete.connect(
        clear, sender=_model, dispatch_uid=f"resolution-cache-delete-{_model.__name__}"
    )


def cached_resolve(
    skill: Skill,
    *,
    provider: Provider | None = None,
    reason: str = "",
    trace: list[dict] | None = None,
) -> Resolution:
    """`resolve` with reuse; appends the (cached) resolution's steps to `trace`."""
    trace = trace if trace is not None else []
    seconds = ttl()
    if seconds <= 0 or not skill.is_active:
        return resolve(skill, provider=provider, reason=reason, trace=trace)
    key = (
        skill.pk,
        skill.updated_at,
        skill.tier,
        skill.group,
        provider.pk if provider else None,
        reason,
    )
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None and now - hit[0] < seconds:
        steps = [dict(step) for step in hit[1].trace]
        trace.extend(steps)
        return replace(hit[1], skill=skill, trace=trace)
    start = len(trace)
    fresh = resolve(skill, provider=provider, reason=reason, trace=trace)
    stored = replace(fresh, trace=[dict(step) for step in trace[start:]])
    with _lock:
        if len(_entries) > 1000:
            _entries.clear()
        _entries[key] = (now, stored)
    return fresh
