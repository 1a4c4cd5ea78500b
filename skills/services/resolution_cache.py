"""A per-process cache of configuration reads on the invocation hot path.

Resolving a skill reads five to seven configuration rows (policy, alias, overrides, variant,
mapping) and was a third of the worker's CPU per invocation. Configuration changes rarely and
invocations arrive by the hundred per second, so a process keeps what it read until the
configuration changes:

- in this process, any save or delete of a configuration row clears the cache at once;
- every such save also increments the configuration generation (`ConfigGeneration`, in the
  saving transaction), and a process looks at it at most once per
  SKILLS_RESOLUTION_CACHE_SECONDS (default 1; 0 turns the cache off): one single-row read,
  and a change made by another process (the console's web process) clears the cache there.

Expiring entries on a timer instead made every entry be read again every second: at tens of
calls per skill per second, one call in five paid for some re-read, and those calls made the
overhead's p95. Entries still expire after MAX_AGE, for changes made without signals
(`QuerySet.update`, SQL). Failures are never cached, so a fixed link or a new skill is picked
up on the next call. The console's own views call `resolution.resolve` directly and always
see the current configuration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from providers.models import AliasMapping, Connection, ModelAlias, ModelVersion, Provider
from skills.models import (
    Budget,
    ConfigGeneration,
    DataPattern,
    GuardrailSetting,
    ModelPrice,
    ModelProviderPolicy,
    PrivacyPolicy,
    ProviderAllowance,
    RateLimitRule,
    Skill,
    SkillVariant,
    VersionOverride,
)
from skills.services.resolution import Resolution, provider_for, resolve

T = TypeVar("T")

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
    ProviderAllowance,
    GuardrailSetting,
    DataPattern,
    PrivacyPolicy,
    Budget,
)

MAX_AGE = 300.0  # seconds; a bound for changes no signal reports

_lock = threading.Lock()
_entries: dict[tuple, tuple[float, Any]] = {}
_MISSING = object()
_seen: dict[str, Any] = {
    "generation": None,
    "at": float("-inf"),
}  # the generation last read, and when
# How many times the entries were cleared. A value is stored only if no clear happened
# since its reads began: a thread that read the old rows and finished after another thread
# cleared for a change would otherwise store them for MAX_AGE.
_clears = [0]


def ttl() -> float:
    """SKILLS_RESOLUTION_CACHE_SECONDS: how often the generation is looked at (0: no cache)."""
    return float(settings.SKILLS_RESOLUTION_CACHE_SECONDS)


def clear(**_: object) -> None:
    """Forget every entry, and look at the generation again on the next read."""
    with _lock:
        _forget()
        _seen.update(generation=None, at=float("-inf"))


def _forget() -> None:
    """Drop every entry (with `_lock` held)."""
    _entries.clear()
    _clears[0] += 1


def _changed(**kwargs: object) -> None:
    """A configuration row was saved or deleted here: clear, and tell the other processes."""
    if not kwargs.get("raw"):  # loading fixtures: no other process holds anything yet
        ConfigGeneration.bump()
    clear()


for _model in CONFIG_MODELS:
    uid = f"resolution-cache-{_model.__name__}"
    post_save.connect(_changed, sender=_model, dispatch_uid=f"{uid}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"{uid}-delete")


def _look_for_changes(now: float, every: float) -> None:
    """At most once per `every` seconds: clear if the generation moved since the last look."""
    if now - _seen["at"] < every:
        return
    generation = ConfigGeneration.current()
    with _lock:
        if generation != _seen["generation"]:
            _forget()
        _seen.update(generation=generation, at=now)


def _skill_key(skill: Skill) -> tuple:
    return (skill.pk, skill.updated_at, skill.tier, skill.group)


def _get(key: tuple, seconds: float) -> Any:
    now = time.monotonic()
    _look_for_changes(now, seconds)
    hit = _entries.get(key)
    if hit is not None and now - hit[0] < MAX_AGE:
        return hit[1]
    return _MISSING


def _put(key: tuple, value: Any, clears: int) -> None:
    """Store `value`, read after `clears` clears, unless the entries were cleared since."""
    with _lock:
        if _clears[0] != clears:
            return
        if len(_entries) > 1000:
            _entries.clear()
        _entries[key] = (time.monotonic(), value)


def _memo(key: tuple, compute: Callable[[], Any], *, keep_none: bool = True) -> Any:
    seconds = ttl()
    if seconds <= 0:
        return compute()
    value = _get(key, seconds)
    if value is _MISSING:
        clears = _clears[0]
        value = compute()
        if value is not None or keep_none:
            _put(key, value, clears)
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
    start, clears = len(trace), _clears[0]
    fresh = resolve(skill, provider=provider, reason=reason, trace=trace)
    _put(key, replace(fresh, trace=[dict(step) for step in trace[start:]]), clears)
    return fresh


def cached_budgets() -> list[Budget]:
    """The active budgets (their counters are never cached)."""
    return _memo(("budgets",), lambda: list(Budget.objects.filter(is_active=True)))


def cached_controls(skill_id: int | None, provider_id: int, compute: Callable[[], T]) -> T:
    """The governance settings of a skill (None: an agent) on a provider, read by `compute`."""
    return _memo(("controls", skill_id, provider_id), compute)
