"""AI agents: instructions + tools; a run is a recorded loop of model and tool calls."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from providers.choices import Route, Tier
from providers.models import Connection, Provider

from ..choices import InvocationStatus, Source, StepKind, ToolKind


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


class AgentRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(
        max_length=10, choices=InvocationStatus.choices, default=InvocationStatus.QUEUED
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    goal = models.TextField()
    output = models.TextField(blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)
    resolution_trace = models.JSONField(default=list, blank=True)
    route = models.CharField(max_length=4, choices=Route.choices, blank=True)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.SET_NULL)
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL)
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Provider call attempts across all model steps."
    )
    enqueue_count = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task message was last published."
    )
    claimed_by = models.CharField(
        max_length=120,
        blank=True,
        help_text="Token of the worker run that claimed it; only that run may finish it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
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
