"""A short-lived, per-process cache of configuration reads on the invocation hot path.

Resolving a skill reads five to seven configuration rows (policy, alias, overrides, variant,
mapping) and was a third of the worker's CPU per invocation. Configuration changes rarely and
invocations arrive by the hundred per second, so a worker reuses a resolution for at most
SKILLS_RESOLUTION_CACHE_SECONDS (default 1; 0 turns the cache off):

- in this process, any save or delete of a configuration row clears the cache at once;
- another process's change (the console's web process) reaches a worker within that bound.

The same holds for the skill itself (looked up by key when an invocation is created, by id
when a worker runs it), the provider a skill's policy picks (rate limits count against it),
the active rate-limit rules and the price table of a provider. Failures are never cached, so
a fixed link or a new skill is picked up on the next call. The console's own views call
`resolution.resolve` directly and always see the current configuration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from providers.models import AliasMapping, Connection, ModelAlias, ModelVersion, Provider

from ..models import (
    ModelPrice,
    ModelProviderPolicy,
    RateLimitRule,
    Skill,
    SkillVariant,
    VersionOverride,
)
from .resolution import Resolution, provider_for, resolve
from .usage import price_for

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
    ModelPrice,
    RateLimitRule,
)

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, Any]] = {}
_MISSING = object()


def ttl() -> float:
    return float(settings.SKILLS_RESOLUTION_CACHE_SECONDS)


def clear(**_: object) -> None:
    with _lock:
        _entries.clear()


for _model in CONFIG_MODELS:
    post_save.connect(clear, sender=_model, dispatch_uid=f"resolution-cache-save-{_model.__name__}")
    post_delete.connect(
        clear, sender=_model, dispatch_uid=f"resolution-cache-delete-{_model.__name__}"
    )


def _skill_key(skill: Skill) -> tuple:
    return (skill.pk, skill.updated_at, skill.tier, skill.group)


def _get(key: tuple, seconds: float) -> Any:
    hit = _entries.get(key)
    if hit is not None and time.monotonic() - hit[0] < seconds:
        return hit[1]
    return _MISSING


def _put(key: tuple, value: Any) -> None:
    with _lock:
        if len(_entries) > 1000:
            _entries.clear()
        _entries[key] = (time.monotonic(), value)


def _memo(key: tuple, compute: Callable[[], Any], *, keep_none: bool = True) -> Any:
    seconds = ttl()
    if seconds <= 0:
        return compute()
    value = _get(key, seconds)
    if value is _MISSING:
        value = compute()
        if value is not None or keep_none:
            _put(key, value)
    return value


def cached_skill(key: str) -> Skill | None:
    """The skill with this key (None if there is none; that answer is not kept)."""
    return _memo(("skill", key), lambda: Skill.objects.filter(key=key).first(), keep_none=False)


def cached_skill_by_id(pk: int) -> Skill | None:
    """The skill with this primary key (None if there is none; not kept)."""
    return _memo(("skill-id", pk), lambda: Skill.objects.filter(pk=pk).first(), keep_none=False)


def cached_rate_limit_rules() -> list[RateLimitRule]:
    """The active rate-limit rules with their providers (the counting is never cached)."""
    return _memo(
        ("rate-limit-rules",),
        lambda: list(RateLimitRule.objects.filter(is_active=True).select_related("provider")),
    )


def cached_provider_for(skill: Skill) -> Provider | None:
    """`provider_for` with reuse (the policy's provider, for rate limits)."""
    return _memo(("provider", *_skill_key(skill)), lambda: provider_for(skill))


def cached_price_for(provider: Provider, *models: str) -> ModelPrice | None:
    """`price_for` with reuse."""
    return _memo(("price", provider.pk, *models), lambda: price_for(provider, *models))


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
    key = ("resolution", *_skill_key(skill), provider.pk if provider else None, reason)
    hit = _get(key, seconds)
    if hit is not _MISSING:
        trace.extend(dict(step) for step in hit.trace)
        return replace(hit, skill=skill, trace=trace)
    start = len(trace)
    fresh = resolve(skill, provider=provider, reason=reason, trace=trace)
    _put(key, replace(fresh, trace=[dict(step) for step in trace[start:]]))
    return fresh
