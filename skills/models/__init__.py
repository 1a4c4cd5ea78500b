from __future__ import annotations

from .agents import Agent, AgentRun, AgentStep, AgentTool
from .catalog import Record, Skill, SkillVariant
from .generation import ConfigGeneration
from .invocations import Invocation, UsageDaily
from .policy import ModelPrice, ModelProviderPolicy, RateLimitRule, VersionOverride

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
