from __future__ import annotations

from django.db import models


class SkillGroup(models.TextChoices):
    ITSM = "itsm", "IT Service Management"
    CSM = "csm", "Customer Service Management"
    HR = "hr", "HR Service Delivery"
    CREATOR = "creator", "Creator"
    PLATFORM = "platform", "Platform"


class SkillCapability(models.TextChoices):
    SUMMARIZE = "summarize", "Summarize"
    GENERATE = "generate", "Generate content"
    SENTIMENT = "sentiment", "Sentiment analysis"
    GENERIC = "generic", "Generic prompt"


class VariantStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class ResponseFormat(models.TextChoices):
    TEXT = "text", "Text"
    JSON = "json", "JSON"


class PolicyScope(models.TextChoices):
    INSTANCE = "instance", "Instance"
    SKILL_GROUP = "skill_group", "Skill group"
    SKILL = "skill", "Skill"


class OverrideScope(models.TextChoices):
    INSTANCE = "instance", "Instance"
    SKILL = "skill", "Skill"


class InvocationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_STATUSES = frozenset(
    {InvocationStatus.SUCCEEDED, InvocationStatus.FAILED, InvocationStatus.CANCELLED}
)


class Source(models.TextChoices):
    UI = "ui", "Console"
    API = "api", "REST API"
    CLI = "cli", "Command line"
    AGENT = "agent", "AI agent"
    SCHEDULE = "schedule", "Schedule"


class RecordKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    CASE = "case", "Case"
    CHANGE_REQUEST = "change_request", "Change request"
    CHAT_TRANSCRIPT = "chat_transcript", "Chat transcript"
    KB_ARTICLE = "kb_article", "Knowledge article"


class ToolKind(models.TextChoices):
    SEARCH_RECORDS = "search_records", "Search records"
    GET_RECORD = "get_record", "Get record"
    UPDATE_RECORD = "update_record", "Update record"
    RUN_SKILL = "run_skill", "Run skill"


class StepKind(models.TextChoices):
    MODEL_CALL = "model_call", "Model call"
    TOOL_CALL = "tool_call", "Tool call"


class RateLimitResource(models.TextChoices):
    PROVIDER = "provider", "LLM provider"
    CAPABILITY = "capability", "Capability"
    ALL = "all", "All capabilities"


class RateLimitRuleType(models.TextChoices):
    INSTANCE = "instance", "Instance"
    USER = "user", "User"


class GovernanceScope(models.TextChoices):
    INSTANCE = "instance", "Instance"
    SKILL = "skill", "Skill"


class GuardrailKind(models.TextChoices):
    PROMPT_INJECTION = "prompt_injection", "Prompt injection"
    OFFENSIVE = "offensive", "Offensiveness"
    SENSITIVE_TOPIC = "sensitive_topic", "Sensitive topics"


class GuardrailMode(models.TextChoices):
    OFF = "off", "Off"
    LOG = "log", "Log only"
    BLOCK = "block", "Block"


class BudgetScope(models.TextChoices):
    INSTANCE = "instance", "Instance"
    PROVIDER = "provider", "Provider"
    CONNECTION = "connection", "Connection"
    SKILL = "skill", "Skill"
    USER = "user", "User"


class BudgetPeriod(models.TextChoices):
    DAY = "day", "Per day"
    MONTH = "month", "Per month"


class BudgetMetric(models.TextChoices):
    COST = "cost", "Spend (USD)"
    TOKENS = "tokens", "Tokens"
