from __future__ import annotations

from skills.models.agents import Agent, AgentRun, AgentStep, AgentTool
from skills.models.catalog import Record, Skill, SkillVariant
from skills.models.generation import ConfigGeneration
from skills.models.invocations import Invocation, UsageDaily
from skills.models.policy import ModelPrice, ModelProviderPolicy, RateLimitRule, VersionOverride

__all__ = [
    "Agent",
    "AgentRun",
    "AgentStep",
    "AgentTool",
    "ConfigGeneration",
    "Invocation",
    "ModelPrice",
    "ModelProviderPolicy",
    "RateLimitRule",
    "Record",
    "Skill",
    "SkillVariant",
    "UsageDaily",
    "VersionOverride",
]
