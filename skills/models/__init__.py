from __future__ import annotations

from skills.models.agents import Agent, AgentRun, AgentStep, AgentTool
from skills.models.budgets import Budget, BudgetReservation, BudgetUsage
from skills.models.catalog import Record, Skill, SkillVariant
from skills.models.generation import ConfigGeneration
from skills.models.governance import (
    DataPattern,
    GuardrailSetting,
    PrivacyPolicy,
    ProviderAllowance,
)
from skills.models.invocations import Invocation, UsageDaily
from skills.models.policy import ModelPrice, ModelProviderPolicy, RateLimitRule, VersionOverride

__all__ = [
    "Agent",
    "AgentRun",
    "AgentStep",
    "AgentTool",
    "Budget",
    "BudgetReservation",
    "BudgetUsage",
    "ConfigGeneration",
    "DataPattern",
    "GuardrailSetting",
    "Invocation",
    "ModelPrice",
    "ModelProviderPolicy",
    "PrivacyPolicy",
    "ProviderAllowance",
    "RateLimitRule",
    "Record",
    "Skill",
    "SkillVariant",
    "UsageDaily",
    "VersionOverride",
]
