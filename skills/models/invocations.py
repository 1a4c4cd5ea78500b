"""Invocations (the generative AI log) and their daily usage aggregates."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from providers.choices import Route
from providers.models import Connection, ModelAlias, Provider

from ..choices import InvocationStatus, Source
from .catalog import Record, Skill, SkillVariant


class Invocation(models.Model):
    """One run of a skill. The row exists before its task is published: it is the truth."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="invocations")
    status = models.CharField(
        max_length=10, choices=InvocationStatus.choices, default=InvocationStatus.QUEUED
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)

    input = models.JSONField(default=dict, blank=True)
    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.SET_NULL)
    rendered_prompt = models.TextField(blank=True)
    output = models.TextField(blank=True)
    output_json = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)

    resolution_trace = models.JSONField(default=list, blank=True)
    route = models.CharField(max_length=4, choices=Route.choices, blank=True)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.SET_NULL)
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL)
    alias = models.ForeignKey(ModelAlias, null=True, blank=True, on_delete=models.SET_NULL)
    variant = models.ForeignKey(SkillVariant, null=True, blank=True, on_delete=models.SET_NULL)
    model = models.CharField(max_length=200, blank=True)
    used_fallback = models.BooleanField(default=False)

    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    total_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_request_ids = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker running it."
    )
    enqueue_count = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task message was last published."
    )
    usage_pending = models.BooleanField(
        default=False,
        help_text="Finished, and its usage not yet added to the daily totals (the roll-up does).",
    )
    claimed_by = models.CharField(
        max_length=120,
        blank=True,
        help_text="Token of the worker run that claimed it; only that run may finish it.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="invocation_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvocationStatus.values), name="invocation_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="invocation_created"),
            models.Index(fields=["status", "created_at"], name="invocation_status_created"),
            models.Index(fields=["skill", "-created_at"], name="invocation_skill_created"),
            models.Index(fields=["provider", "-created_at"], name="invocation_provider_created"),
            models.Index(fields=["requested_by", "-created_at"], name="invocation_user_created"),
            models.Index(
                fields=["finished_at"],
                name="invocation_usage_pending",
                condition=Q(usage_pending=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill.key} {self.status} {self.id}"


class UsageDaily(models.Model):
    """Daily totals per provider/model/route, so charts never scan raw invocations.

    Written only by `skills.services.usage.roll_up_usage`, which adds the finished
    invocations still marked `usage_pending`; read through `usage_totals`, which also counts
    those not yet rolled up.
    """

    day = models.DateField()
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE)
    model = models.CharField(max_length=200)
    route = models.CharField(max_length=4, choices=Route.choices)
    invocations = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)

    class Meta:
        verbose_name_plural = "usage (daily)"
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "provider", "model", "route"], name="usage_daily_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider_id} {self.model} {self.route}"
