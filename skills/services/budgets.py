"""Budgets enforced before a call: reserve, refuse at the limit, settle with what was used.

A call reserves its worst case (the prompt's estimated tokens plus the variant's
`max_tokens`, priced by the route's price table) on every budget that applies, with one
conditional UPDATE per counter: it succeeds only while `used + reserved < limit` (`>=` the
limit refuses), so concurrent calls can overshoot a limit by at most one call's reservation.
The reservation is written in the run's held transaction, so it commits with the claim and
the first outbound row: a worker that dies before sending leaves nothing reserved.

When the run finishes, its reservations are settled in the finishing commit: the attempt's
own reservation becomes its actual usage; reservations of earlier attempts of the same run
(a worker that died mid-call and was taken over) count in full, since that call may have
been paid. Reservations of runs that finished without settling are settled by the sweeper.
"""

from __future__ import annotations

import datetime
import logging
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.utils import timezone

from skills.choices import TERMINAL_STATUSES, BudgetMetric, BudgetPeriod, BudgetScope
from skills.models import AgentRun, Budget, BudgetReservation, BudgetUsage, Invocation
from skills.services.resolution import Resolution, ResolvedRoute
from skills.services.resolution_cache import cached_budgets
from skills.services.usage import cost_of, price_for

logger = logging.getLogger(__name__)
BUDGETS_PAGE = "Settings > Budgets"
#: The range a budget's limit may take (its column holds 16 digits, 6 after the point).
SMALLEST, LARGEST = Decimal("0.000001"), Decimal("9999999999.999999")
CHARS_PER_TOKEN = 4  # a deliberately high estimate of tokens for the prompt's length


class BudgetExceeded(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Need:
    """The most one call can use: tokens, and what they cost at the route's prices."""

    tokens: int
    cost: Decimal

    def of(self, metric: str) -> Decimal:
        return Decimal(self.tokens) if metric == BudgetMetric.TOKENS else self.cost


def estimate(route: ResolvedRoute, text: str, max_tokens: int) -> Need:
    prompt = math.ceil(len(text) / CHARS_PER_TOKEN)
    return Need(tokens=prompt + max_tokens, cost=route_cost(route, "", prompt, max_tokens))


def route_cost(route: ResolvedRoute, reported: str, prompt: int, completion: int) -> Decimal:
    """What a call on `route` costs, priced by the model reported, else the one asked for."""
    if isinstance(route, Resolution):  # a skill's route carries its price table
        return route.cost(reported, prompt, completion)
    return cost_of(price_for(route.provider, reported, route.model), prompt, completion)


def period_start(period: str, now: datetime.datetime | None = None) -> datetime.date:
    today = timezone.localdate(now)
    return today.replace(day=1) if period == BudgetPeriod.MONTH else today


def applicable(route: ResolvedRoute, skill_id: int | None, user_id: int | None) -> list[Budget]:
    """The active budgets a call on `route` for this skill and user counts against."""
    targets = {
        BudgetScope.INSTANCE: None,
        BudgetScope.PROVIDER: route.provider.pk,
        BudgetScope.CONNECTION: route.connection.pk,
        BudgetScope.SKILL: skill_id,
        BudgetScope.USER: user_id,
    }
    found = []
    for budget in cached_budgets():
        field = budget.target_field
        if field is None or (
            targets[BudgetScope(budget.scope)] is not None
            and getattr(budget, f"{field}_id") == targets[BudgetScope(budget.scope)]
        ):
            found.append(budget)
    return found


def describe(budget: Budget) -> str:
    unit = "USD" if budget.metric == BudgetMetric.COST else "tokens"
    return f"budget {budget.name} ({budget.limit.normalize():f} {unit} {budget.get_period_display().lower()})"


@dataclass(frozen=True)
class Hold:
    """The reservations one call took, and a line per budget for the trace."""

    reservations: tuple[int, ...]
    lines: tuple[str, ...]


def reserve(run_id: uuid.UUID, budgets: Iterable[Budget], need: Need) -> Hold:
    """Reserve `need` on each budget, or raise `BudgetExceeded` naming the first one full
    (giving back what the others took).

    Runs in the caller's transaction: the run's held one, so the reservation commits with
    the claim and the first outbound row.
    """
    taken: list[int] = []
    lines: list[str] = []
    for budget in budgets:
        usage = _counter(budget)
        amount = need.of(budget.metric)
        took = BudgetUsage.objects.filter(
            Q(pk=usage.pk), Q(used__lt=Value(budget.limit) - F("reserved"))
        ).update(reserved=F("reserved") + amount)
        if not took:
            settle(taken, 0, Decimal(0))
            raise BudgetExceeded(
                f"The {describe(budget)} is used up for this period; the call was not sent. "
                f"Raise the limit on {BUDGETS_PAGE} or wait for the next period."
            )
        taken.append(BudgetReservation.objects.create(usage=usage, run_id=run_id, amount=amount).pk)
        lines.append(f"{describe(budget)}: reserved {amount.normalize():f}")
    return Hold(tuple(taken), tuple(lines))


def _counter(budget: Budget) -> BudgetUsage:
    start = period_start(budget.period)
    usage = BudgetUsage.objects.filter(budget=budget, period_start=start).first()
    if usage is not None:
        return usage
    try:
        with transaction.atomic():
            return BudgetUsage.objects.create(budget=budget, period_start=start)
    except IntegrityError:  # another call created this period's counter first
        return BudgetUsage.objects.get(budget=budget, period_start=start)


def settle(
    reservations: Iterable[int], tokens: int, cost: Decimal, *, in_full: bool = False
) -> int:
    """Turn one call's reservations into what it used (`tokens`, `cost`), or into what they
    held (`in_full`: a call whose outcome is unknown may have been paid for); returns how
    many were settled. Settling twice settles nothing the second time."""
    with transaction.atomic():
        held = list(
            BudgetReservation.objects.select_for_update()
            .filter(pk__in=list(reservations))
            .select_related("usage__budget")
        )
        for reservation in held:
            usage = reservation.usage
            if in_full:
                spent = reservation.amount
            else:
                spent = Decimal(tokens) if usage.budget.metric == BudgetMetric.TOKENS else cost
            BudgetUsage.objects.filter(pk=usage.pk).update(
                used=F("used") + spent, reserved=F("reserved") - reservation.amount
            )
        BudgetReservation.objects.filter(pk__in=[r.pk for r in held]).delete()
        for usage_id in {r.usage_id for r in held}:
            _soft_alert(usage_id)
    return len(held)


def _soft_alert(usage_id: int) -> None:
    """Record (once per period) that a budget passed its soft threshold, and say so."""
    usage = BudgetUsage.objects.select_related("budget").get(pk=usage_id)
    budget = usage.budget
    if not budget.soft_percent or usage.soft_alerted_at is not None:
        return
    if usage.used * 100 < budget.limit * budget.soft_percent:
        return
    if BudgetUsage.objects.filter(pk=usage_id, soft_alerted_at__isnull=True).update(
        soft_alerted_at=timezone.now()
    ):
        logger.warning(
            "%s passed %s%% of its limit: %s used",
            describe(budget),
            budget.soft_percent,
            usage.used,
        )


def settle_finished(batch: int = 500, older_than: float = 60) -> int:
    """Settle, in full, reservations left by calls whose worker died: those of runs that
    have finished (a live call settles its own in the run's next commit) or no longer exist.
    """
    old = BudgetReservation.objects.filter(
        created_at__lt=timezone.now() - datetime.timedelta(seconds=older_than)
    )
    left = dict(old.values_list("pk", "run_id")[:batch])
    runs = set(left.values())
    unfinished = {
        pk
        for model in (Invocation, AgentRun)
        for pk in model.objects.filter(pk__in=runs)
        .exclude(status__in=TERMINAL_STATUSES)
        .values_list("pk", flat=True)
    }
    stale = [pk for pk, run in left.items() if run not in unfinished]
    return settle(stale, 0, Decimal(0), in_full=True) if stale else 0


@dataclass(frozen=True)
class Standing:
    budget: Budget
    used: Decimal
    reserved: Decimal
    alerted: bool

    @property
    def percent(self) -> int:
        return min(999, int((self.used + self.reserved) * 100 / self.budget.limit))


def standings(budgets: Iterable[Budget]) -> list[Standing]:
    """Each budget's counter for its current period (zero where none exists yet)."""
    budgets = list(budgets)
    starts = {b.pk: period_start(b.period) for b in budgets}
    rows = {
        (u.budget_id, u.period_start): u
        for u in BudgetUsage.objects.filter(budget__in=budgets, period_start__in=starts.values())
    }
    out = []
    for budget in budgets:
        usage = rows.get((budget.pk, starts[budget.pk]))
        out.append(
            Standing(
                budget,
                usage.used if usage else Decimal(0),
                usage.reserved if usage else Decimal(0),
                bool(usage and usage.soft_alerted_at),
            )
        )
    return out
