"""AI agents: instructions + tools; a run is a recorded loop of model and tool calls."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from providers.choices import Tier
from providers.models import Provider
from skills.choices import StepKind, ToolKind
from skills.models.runs import Run


class Agent(models.Model):
    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=255)
    instructions = models.TextField()
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Blank: the instance default model provider.",
    )
    tier = models.CharField(max_length=8, choices=Tier.choices, default=Tier.LARGE)
    max_steps = models.PositiveSmallIntegerField(default=8)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_steps__gte=1, max_steps__lte=50), name="agent_max_steps"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AgentTool(models.Model):
    """A built-in server-side tool an agent may call (never arbitrary code)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="tools")
    name = models.SlugField(max_length=64)
    kind = models.CharField(max_length=20, choices=ToolKind.choices)
    description = models.CharField(max_length=500)
    parameters = models.JSONField(default=dict, blank=True, help_text="JSON Schema of arguments.")
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["agent__key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "name"], name="agenttool_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.agent.key}.{self.name}"


class AgentRun(Run):
    """One run of an agent: a loop of model calls and tool calls (its steps)."""

    outbound_column = "agent_run_id"

    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="runs")
    goal = models.TextField()

    class Meta(Run.Meta):
        indexes = [models.Index(fields=["status", "created_at"], name="agentrun_status_created")]

    def __str__(self) -> str:
        return f"{self.agent.key} {self.status} {self.id}"


class AgentStep(models.Model):
    run = models.ForeignKey(AgentRun, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=StepKind.choices)
    tool_name = models.CharField(max_length=64, blank=True)
    request = models.JSONField(default=dict, blank=True)
    response = models.JSONField(default=dict, blank=True)
    ok = models.BooleanField(default=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="agentstep_unique")]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.index} {self.kind}"
