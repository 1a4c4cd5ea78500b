"""Invocations (the generative AI log) and their daily usage aggregates."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from providers.choices import Route
from providers.models import Connection, ModelAlias, Provider
from skills import latency
from skills.choices import InvocationStatus
from skills.models.catalog import Record, Skill, SkillVariant
from skills.models.runs import Run


class Invocation(Run):
    """One run of a skill (the generative AI log)."""

    outbound_column = "invocation_id"

    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="invocations")
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    idempotency_fingerprint = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        editable=False,
        help_text="SHA-256 of the skill, input and record of the request that carried the "
        "idempotency key; the key replays this run only for the same request.",
    )

    input = models.JSONField(default=dict, blank=True)
    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.SET_NULL)
    rendered_prompt = models.TextField(blank=True)
    output_json = models.JSONField(null=True, blank=True)

    alias = models.ForeignKey(ModelAlias, null=True, blank=True, on_delete=models.SET_NULL)
    variant = models.ForeignKey(SkillVariant, null=True, blank=True, on_delete=models.SET_NULL)
    used_fallback = models.BooleanField(default=False)

    total_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    provider_request_ids = models.JSONField(default=list, blank=True)
    usage_pending = models.BooleanField(
        default=False,
        help_text="Finished, and its usage not yet added to the daily totals (the roll-up does).",
    )

    class Meta(Run.Meta):
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
    """Daily totals per provider/connection/skill/model/route, so charts never scan raw
    invocations.

    Written only by `skills.services.usage.roll_up_usage`, which adds the finished
    invocations still marked `usage_pending`; read through `usage_totals` / `usage_rows`,
    which also count those not yet rolled up. Besides the sums, each row holds a log-scale
    latency histogram (`latency_00` … `latency_35`, see `skills.latency`) so p50/p95 over
    any set of rows is read from summed buckets.

    A connection or skill deleted later leaves its rows with an empty column (the totals
    outlive them, as they outlive the purged invocations).
    """

    day = models.DateField()
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE)
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL)
    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
                fields=["day", "provider", "connection", "skill", "model", "route"],
                name="usage_daily_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider_id} {self.model} {self.route}"


# One column per latency bucket: summed by SQL like the other totals (a JSON list could not
# be added to with one UPDATE nor summed by the database).
for _column in latency.COLUMNS:
    UsageDaily.add_to_class(_column, models.PositiveIntegerField(default=0, editable=False))
