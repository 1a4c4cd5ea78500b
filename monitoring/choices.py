from __future__ import annotations

from django.db import models


class RuleKind(models.TextChoices):
    """What an alert rule watches."""

    CONNECTION_DOWN = "connection_down", "Connection down"
    ERROR_RATE = "error_rate", "Error rate above a threshold (%)"
    LATENCY = "latency", "Average latency above a threshold (ms)"
    DAILY_SPEND = "daily_spend", "Spend today above a threshold"
    CREDENTIAL = "credential", "Credential failing or nearing expiry"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook (Slack-compatible)"


class IncidentState(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class NotificationEvent(models.TextChoices):
    OPENED = "opened", "Incident opened"
    RESOLVED = "resolved", "Incident resolved"
    TEST = "test", "Test"


class DeliveryStatus(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    HELD = "held", "Held (quiet period)"
