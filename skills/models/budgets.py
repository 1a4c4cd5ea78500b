"""Budgets: spend or token limits, enforced before a call, with the counters that enforce them.

A `Budget` is configuration (audited); `BudgetUsage` is its counter for one day or month
(used and reserved); a `BudgetReservation` is what one run holds against a counter between
its claim and its finish. See `skills.services.budgets` for how they move.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from providers.models import Connection, Provider
from skills.choices import BudgetMetric, BudgetPeriod, BudgetScope
from skills.models.catalog import Skill

_TARGETS = {
    BudgetScope.PROVIDER: "provider",
    BudgetScope.CONNECTION: "connection",
    BudgetScope.SKILL: "skill",
    BudgetScope.USER: "user",
}


class Budget(models.Model):
    """A hard limit (and an optional soft threshold) on spend or tokens per day or month."""

    name = models.CharField(max_length=100, unique=True)
    scope = models.CharField(max_length=12, choices=BudgetScope.choices)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.CASCADE)
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.CASCADE)
    skill = models.ForeignKey(Skill, null=True, blank=True, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    period = models.CharField(max_length=6, choices=BudgetPeriod.choices)
    metric = models.CharField(max_length=6, choices=BudgetMetric.choices)
    limit = models.DecimalField(
        max_digits=16,
        decimal_places=6,
        help_text="Calls are refused once what was used and reserved reaches this.",
    )
    soft_percent = models.PositiveSmallIntegerField(
        default=80, help_text="Alert once when usage reaches this share of the limit (0: never)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gt=0), name="budget_limit_positive"),
            models.CheckConstraint(
                condition=Q(soft_percent__lte=100), name="budget_soft_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target_field(self) -> str | None:
        """The column naming what the budget limits (None: the whole instance)."""
        return _TARGETS.get(self.scope)  # type: ignore[call-overload]

    @property
    def target(self) -> models.Model | None:
        """The provider, connection, skill or user limited (None: the whole instance)."""
        field = self.target_field
        return getattr(self, field) if field else None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        wanted = self.target_field
        for name in _TARGETS.values():
            has = getattr(self, f"{name}_id") is not None
            if name == wanted and not has:
                errors[name] = f"Choose the {name} this budget limits."
            elif name != wanted and has:
                errors[name] = f"A {self.get_scope_display().lower()} budget names no {name}."
        if self.limit is not None and self.limit <= 0:
            errors["limit"] = "Must be more than zero."
        whole = self.limit is None or self.limit == self.limit.to_integral_value()
        if self.metric == BudgetMetric.TOKENS and not whole:
            errors["limit"] = "A token limit is a whole number."
        if self.soft_percent is not None and self.soft_percent > 100:
            errors["soft_percent"] = "At most 100."
        if errors:
            raise ValidationError(errors)


class BudgetUsage(models.Model):
    """One budget's counter for one period: spent (settled) and held by running calls."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="usage")
    period_start = models.DateField()
    used = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal(0))
    reserved = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal(0))
    soft_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "period_start"], name="budget_usage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.period_start}: {self.used} (+{self.reserved})"


class BudgetReservation(models.Model):
    """What one run holds against one counter until its actual usage is known."""

    usage = models.ForeignKey(BudgetUsage, on_delete=models.CASCADE, related_name="reservations")
    run_id = models.UUIDField(db_index=True)
    amount = models.DecimalField(max_digits=18, decimal_places=6)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.amount}"
