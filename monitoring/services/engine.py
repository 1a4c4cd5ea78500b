"""Alert evaluation: each rule's findings open incidents, and an incident no longer found
resolves. Each incident is told once when it opens and once when it recovers.

"Once" is kept by the database, not by memory: an incident is opened under a unique
constraint (one open incident per rule and subject), its opening is claimed for notice by a
conditional `UPDATE … WHERE notified_at IS NULL`, and its resolution by `UPDATE … WHERE
state = 'open'`; two evaluations running at once cannot both notify.

During a rule's quiet period nothing is sent: an incident opened then is told when the
period ends, if it is still open; a recovery during it is recorded as held.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from monitoring.choices import DeliveryStatus, IncidentState, NotificationEvent
from monitoring.models import AlertRule, Channel, Incident, Notification
from monitoring.services import conditions, transports

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[BYOK Console]"


@dataclass
class Outcome:
    opened: int = 0
    resolved: int = 0
    notified: int = 0


def deliver(
    channel: Channel, event: str, subject: str, text: str, incident: Incident | None = None
) -> Notification:
    """Send on one channel and save the attempt, whatever its outcome."""
    status, error = DeliveryStatus.SENT, ""
    try:
        transports.send(channel, subject, text)
    except transports.TransportError as exc:
        status, error = DeliveryStatus.FAILED, str(exc)[:500]
        logger.warning("alert channel %s: %s", channel.pk, error)
    return Notification.objects.create(
        incident=incident,
        channel=channel,
        channel_name=channel.name,
        event=event,
        status=status,
        text=text[:1000],
        error=error,
    )


def test_send(channel: Channel) -> Notification:
    """The channel's test button: one message, recorded in the history like any other."""
    return deliver(
        channel,
        NotificationEvent.TEST,
        f"{SUBJECT_PREFIX} Test notification",
        f"A test from BYOK Console: channel {channel.name} works.",
    )


test_send.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _notify(rule: AlertRule, incident: Incident, event: str, text: str, *, held: bool) -> int:
    subject = f"{SUBJECT_PREFIX} {'Resolved' if event == NotificationEvent.RESOLVED else 'Alert'}: {rule.name}"
    sent = 0
    for channel in rule.channels.filter(is_active=True):
        if held:
            Notification.objects.create(
                incident=incident,
                channel=channel,
                channel_name=channel.name,
                event=event,
                status=DeliveryStatus.HELD,
                text=text[:1000],
            )
            continue
        sent += deliver(channel, event, subject, text, incident).status == DeliveryStatus.SENT
    return sent


def evaluate_rule(rule: AlertRule, now: datetime) -> Outcome:
    outcome = Outcome()
    found = conditions.findings(rule, now)
    open_incidents = {i.subject: i for i in rule.incidents.filter(state=IncidentState.OPEN)}
    quiet = rule.is_quiet(now.time())
    for subject, finding in found.items():
        incident = open_incidents.get(subject)
        if incident is None:
            try:
                with transaction.atomic():
                    incident = Incident.objects.create(
                        rule=rule,
                        subject=subject,
                        subject_label=finding.label[:200],
                        message=finding.message[:1000],
                        opened_at=now,
                    )
            except IntegrityError:  # another evaluation opened it first
                continue
            outcome.opened += 1
        if quiet or incident.notified_at is not None:
            continue
        claimed = Incident.objects.filter(pk=incident.pk, notified_at__isnull=True).update(
            notified_at=now
        )
        if claimed:
            outcome.notified += _notify(
                rule, incident, NotificationEvent.OPENED, incident.message, held=False
            )
    for subject, incident in open_incidents.items():
        if subject in found:
            continue
        claimed = Incident.objects.filter(pk=incident.pk, state=IncidentState.OPEN).update(
            state=IncidentState.RESOLVED, resolved_at=now
        )
        if not claimed:
            continue
        outcome.resolved += 1
        if incident.notified_at is not None:  # an opening never told needs no recovery
            text = f"Recovered: {rule.name} — {incident.subject_label} is back to normal."
            outcome.notified += _notify(
                rule, incident, NotificationEvent.RESOLVED, text, held=quiet
            )
    return outcome


def evaluate_all(now: datetime | None = None) -> Outcome:
    """Evaluate every active rule (the beat task). A rule that fails is logged and skipped;
    the others still run."""
    now = now or timezone.now()
    total = Outcome()
    # A rule switched off watches nothing: its open incidents close, without a notice.
    total.resolved += Incident.objects.filter(
        state=IncidentState.OPEN, rule__is_active=False
    ).update(state=IncidentState.RESOLVED, resolved_at=now)
    for rule in AlertRule.objects.filter(is_active=True).select_related("provider", "connection"):
        try:
            outcome = evaluate_rule(rule, now)
        except Exception:
            logger.exception("alert rule %s could not be evaluated", rule.pk)
            continue
        total.opened += outcome.opened
        total.resolved += outcome.resolved
        total.notified += outcome.notified
    return total
