"""Alerts: rules that watch connections, traffic and spend; the channels they notify; the
incidents they open and close; and every notification sent (the history page)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core import crypto
from core.fields import EncryptedJSONField
from monitoring.choices import (
    ChannelKind,
    DeliveryStatus,
    IncidentState,
    NotificationEvent,
    RuleKind,
)

# The one secret a channel holds.
WEBHOOK_URL = "webhook_url"


class Channel(models.Model):
    """Where notifications go: e-mail addresses, or a Slack-compatible webhook.

    The webhook URL is a credential (whoever has it may post to the room): it lives only in
    `secrets`, encrypted, write-only; `secret_hints` keeps its masked form for pages.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    email_to = models.CharField(
        max_length=500, blank=True, help_text="Addresses, separated by commas."
    )
    secrets = EncryptedJSONField()
    secret_hints = models.JSONField(default=dict, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An e-mail channel keeps no webhook URL: one switched from webhook forgets it, by
        # every door (the audit trail records the secret as removed).
        if self.kind == ChannelKind.EMAIL and self.secret_hints:
            self.secrets = {}
            self.secret_hints = {}
        super().save(*args, **kwargs)

    @property
    def recipients(self) -> list[str]:
        return [a.strip() for a in self.email_to.split(",") if a.strip()]

    def set_webhook_url(self, url: str) -> None:
        """Store the URL (blank keeps the stored one: write-only, like every secret)."""
        if url:
            self.secrets = {WEBHOOK_URL: url}
            self.secret_hints = {WEBHOOK_URL: crypto.mask(url)}

    @property
    def webhook_hint(self) -> str:
        return str((self.secret_hints or {}).get(WEBHOOK_URL, ""))

    def clean(self) -> None:
        if self.kind == ChannelKind.EMAIL and not self.recipients:
            raise ValidationError({"email_to": "Enter at least one address."})
        if self.kind == ChannelKind.WEBHOOK and not self.webhook_hint:
            raise ValidationError({"webhook_url": "Enter the webhook URL."})


class AlertRule(models.Model):
    """A condition to watch and the channels to tell. Empty provider and connection watch
    every active connection (or, for spend, every provider)."""

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    is_active = models.BooleanField(default=True)
    provider = models.ForeignKey(
        "providers.Provider", null=True, blank=True, on_delete=models.CASCADE
    )
    connection = models.ForeignKey(
        "providers.Connection", null=True, blank=True, on_delete=models.CASCADE
    )
    threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Error rate in %, latency in ms, spend in the price table's currency, or "
        "for a credential the days before expiry to warn.",
    )
    window_minutes = models.PositiveIntegerField(
        default=15, help_text="The period error rate and latency are measured over."
    )
    min_requests = models.PositiveIntegerField(
        default=5, help_text="Fewer requests than this in the period never fire a rate."
    )
    expires_on = models.DateField(
        null=True, blank=True, help_text="When the connection's credential expires, if known."
    )
    quiet_start = models.TimeField(
        null=True, blank=True, help_text="Start of the daily quiet period (UTC)."
    )
    quiet_end = models.TimeField(null=True, blank=True, help_text="End of the quiet period (UTC).")
    channels = models.ManyToManyField(Channel, blank=True, related_name="rules")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="rule_kind_valid"),
            models.CheckConstraint(
                condition=Q(window_minutes__gte=1, window_minutes__lte=10080),
                name="rule_window_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        needs_threshold = {RuleKind.ERROR_RATE, RuleKind.LATENCY, RuleKind.DAILY_SPEND}
        if self.kind in needs_threshold and self.threshold is None:
            errors["threshold"] = "This kind of rule needs a threshold."
        if self.threshold is not None and self.threshold < 0:
            errors["threshold"] = "The threshold cannot be negative."
        elif self.kind == RuleKind.ERROR_RATE and self.threshold and self.threshold > 100:
            errors["threshold"] = "An error rate is a percentage, from 0 to 100."
        if self.kind == RuleKind.CREDENTIAL and not self.connection_id:
            errors["connection"] = "Choose the connection whose credential to watch."
        if self.window_minutes is not None and not 1 <= self.window_minutes <= 10080:
            errors["window_minutes"] = "From 1 minute to 7 days (10080)."
        if (self.quiet_start is None) != (self.quiet_end is None):
            errors["quiet_end"] = "Give both ends of the quiet period, or neither."
        elif self.quiet_start is not None and self.quiet_start == self.quiet_end:
            errors["quiet_end"] = "The quiet period must not start and end at the same time."
        connection = self.connection if self.connection_id else None
        if (
            connection is not None
            and self.provider_id
            and connection.provider_id != self.provider_id
        ):
            errors["connection"] = "This connection belongs to another provider."
        if errors:
            raise ValidationError(errors)

    def is_quiet(self, at: time) -> bool:
        """Whether `at` (UTC time of day) falls in the quiet period, which may span midnight."""
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None:
            return False
        if start < end:
            return start <= at < end
        return at >= start or at < end


class Incident(models.Model):
    """One firing of a rule for one subject (a connection, a provider, the instance): opened
    once, notified once, resolved once."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="incidents")
    subject = models.CharField(max_length=100)
    subject_label = models.CharField(max_length=200)
    state = models.CharField(
        max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN
    )
    message = models.CharField(max_length=1000)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # When the opening was told; empty while a quiet period holds it back.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=Q(state=IncidentState.OPEN),
                name="incident_one_open_per_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_label} ({self.state})"


class Notification(models.Model):
    """One delivery attempt to one channel (the history page): saved whatever its outcome."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    channel_name = models.CharField(max_length=100)
    event = models.CharField(max_length=10, choices=NotificationEvent.choices)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    text = models.CharField(max_length=1000)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel_name} {self.event} {self.status}"
