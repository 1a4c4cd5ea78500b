"""Rate-limit rules (requests per hour per provider, capability or everything; per instance or
per user), enforced when an invocation is created.

Counting uses the invocation rows of the last hour, so the limit survives restarts and holds
across web processes; every filter leads with an indexed column followed by `created_at`.
Concurrent requests may overshoot a limit by the few that are counted at the same moment.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from providers.models import Provider
from skills.choices import RateLimitResource, RateLimitRuleType
from skills.models import Invocation, RateLimitRule, Skill
from skills.services.errors import RateLimitExceeded
from skills.services.resolution_cache import cached_rate_limit_rules

logger = logging.getLogger(__name__)
WINDOW = timedelta(hours=1)


def _applies(rule: RateLimitRule, skill: Skill, provider: Provider | None) -> bool:
    if rule.resource == RateLimitResource.PROVIDER:
        return provider is not None and rule.provider_id == provider.pk
    if rule.resource == RateLimitResource.CAPABILITY:
        return rule.capability == skill.capability
    return True


def _scope(rule: RateLimitRule) -> Q:
    if rule.resource == RateLimitResource.PROVIDER:
        return Q(provider_id=rule.provider_id)
    if rule.resource == RateLimitResource.CAPABILITY:
        return Q(skill__in=Skill.objects.filter(capability=rule.capability).values("pk"))
    return Q()


def _describe(rule: RateLimitRule) -> str:
    targets: dict[str, str] = {
        RateLimitResource.PROVIDER: f"provider {rule.provider.name if rule.provider else ''}",
        RateLimitResource.CAPABILITY: f"capability {rule.capability}",
        RateLimitResource.ALL: "all capabilities",
    }
    target = targets[rule.resource]
    who = "for this user" if rule.rule_type == RateLimitRuleType.USER else "for this instance"
    return f"{rule.requests_per_hour} requests per hour on {target} {who}"


def check_rate_limits(skill: Skill, provider: Provider | None, user: Any) -> None:
    """Raise `RateLimitExceeded` if one more request would break an active rule."""
    since = timezone.now() - WINDOW
    user_id = getattr(user, "pk", None)
    for rule in cached_rate_limit_rules():
        if not _applies(rule, skill, provider):
            continue
        rows = Invocation.objects.filter(_scope(rule), created_at__gte=since)
        if rule.rule_type == RateLimitRuleType.USER:
            rows = rows.filter(requested_by_id=user_id)
        used = rows[: rule.requests_per_hour].count()
        if used >= rule.requests_per_hour:
            message = f"Rate limit reached: {_describe(rule)}. Try again later."
            logger.warning(
                "rate limit refused skill=%s user=%s rule=%s: %s",
                skill.key,
                user_id,
                rule.pk,
                message,
            )
            raise RateLimitExceeded(message)
