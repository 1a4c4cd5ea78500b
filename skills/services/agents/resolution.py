"""Which provider, connection and model serve an AI agent's model steps, and why.

The same chain as a skill's (skills.services.resolution), minus the prompt variant: the
agent's own provider, else the instance default; the alias by the agent's tier; then the
route, mapping, connection and model links shared with skills, so an agent fails on the same
broken links with the same messages.
"""

from __future__ import annotations

from core.errors import ErrorCode
from skills.choices import PolicyScope
from skills.models import Agent, ModelProviderPolicy
from skills.services.resolution import (
    PROVIDERS_PAGE,
    ResolvedRoute,
    Trace,
    alias_for,
    check_allowed,
    check_secrets,
    overrides_for,
    require_enabled,
    route_for,
)


class AgentResolution(ResolvedRoute):
    """The provider call of an AI agent: a skill's route, minus the prompt variant."""


def resolve_agent(agent: Agent, *, trace: list[dict] | None = None) -> AgentResolution:
    """Resolve an agent: its own provider, else the instance default; alias by its tier.

    The route, mapping, connection and model steps are the skills' own, so an agent fails
    on the same broken links with the same messages; only instance-wide version overrides
    apply (skill overrides name skills, not agents).
    """
    t = Trace(trace if trace is not None else [])
    if not agent.is_active:
        raise t.fail(
            ErrorCode.AGENT_INACTIVE, f"Agent {agent.key} is inactive; activate it on Agents."
        )
    t.add("agent", agent.key, f"tier {agent.tier}")
    provider = agent.provider
    if provider is not None:
        t.add("provider", provider.kind, f"provider of agent {agent.key}")
    else:
        policy = (
            ModelProviderPolicy.objects.filter(is_active=True, scope=PolicyScope.INSTANCE)
            .select_related("provider")
            .first()
        )
        if policy is None:
            raise t.fail(
                ErrorCode.NO_PROVIDER_POLICY,
                f"Agent {agent.key} has no provider and no instance default is chosen; "
                f"choose one on {PROVIDERS_PAGE}.",
            )
        provider = policy.provider
        t.add("provider", provider.kind, f"instance default on {PROVIDERS_PAGE}")
    require_enabled(provider, t, f"choose another provider for agent {agent.key}")
    alias = alias_for(provider, agent.tier, t)
    overrides = overrides_for(None, provider)
    route, connection, model = route_for(provider, alias, overrides, t)
    check_secrets(connection, t)
    check_allowed(None, provider, connection, t)
    return AgentResolution(
        provider=provider,
        alias=alias,
        route=route,
        connection=connection,
        model=model,
        trace=t.entries,
    )
