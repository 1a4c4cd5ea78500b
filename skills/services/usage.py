"""Token cost from the editable price table, and the daily usage totals charts read.

A finishing invocation does not touch the totals: its result UPDATE marks it
`usage_pending`, and `roll_up_usage` (a periodic task, every few seconds) adds pending rows
to `UsageDaily` and clears the mark in one transaction, so each invocation is counted
exactly once. Adding usage in the finish transaction instead cost every invocation a second
UPDATE and made concurrent finishes queue on the same counter row. `usage_rows` (and
`usage_totals`, its every-dimension form) adds the rows not yet rolled up, so readers always
see every finished invocation; pages never read raw invocations for totals.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from providers.models import Provider
from skills import latency
from skills.choices import InvocationStatus
from skills.models import Invocation, ModelPrice, UsageDaily

MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.000001")
ROLL_UP_BATCH = 5000

_SUM_FIELDS = ("invocations", "failures", "prompt_tokens", "completion_tokens", "cost")
TOTAL_FIELDS = (*_SUM_FIELDS, *latency.COLUMNS)
GROUP_FIELDS = ("day", "provider_id", "connection_id", "skill_id", "model", "route")


def price_for(provider: Provider | int, *models: str) -> ModelPrice | None:
    """The longest `model_pattern` that prefixes one of `models` (tried in order).

    The provider-reported model (`gpt-4o-2024-11-20`) is tried before the deployment name a
    customer chose (`gpt4o-prod`), which rarely resembles a price-table entry.
    """
    return best_price(list(ModelPrice.objects.filter(provider=provider)), *models)


def best_price(prices: Sequence[ModelPrice], *models: str) -> ModelPrice | None:
    """`price_for` over a price table already read."""
    for model in models:
        if not model:
            continue
        matches = [p for p in prices if model.startswith(p.model_pattern)]
        if matches:
            return max(matches, key=lambda p: len(p.model_pattern))
    return None


def cost_of(price: ModelPrice | None, prompt_tokens: int, completion_tokens: int) -> Decimal:
    if price is None:
        return Decimal(0)
    cost = (
        Decimal(prompt_tokens) * price.input_per_million
        + Decimal(completion_tokens) * price.output_per_million
    ) / MILLION
    return cost.quantize(COST_PLACES)


def roll_up_usage(batch: int = ROLL_UP_BATCH) -> int:
    """Add the usage of finished invocations marked pending to the daily totals.

    Each batch is one transaction: the rows are locked (skipping rows another roll-up holds),
    summed per day/provider/connection/skill/model/route (latency into its histogram
    buckets), added to their `UsageDaily` rows, and unmarked. Returns how many invocations
    were added.
    """
    added = 0
    while True:
        with transaction.atomic():
            rows = list(
                Invocation.objects.filter(usage_pending=True)
                .select_for_update(skip_locked=True)
                .order_by()
                .values_list("pk", *_RAW_FIELDS)[:batch]
            )
            if not rows:
                return added
            for key, total in _sum_raw(row[1:] for row in rows).items():
                _add(dict(zip(GROUP_FIELDS, key, strict=True)), total)
            Invocation.objects.filter(pk__in=[row[0] for row in rows]).update(usage_pending=False)
        added += len(rows)
        if len(rows) < batch:
            return added


# An invocation's columns the roll-up reads, in the order `_sum_raw` unpacks them.
_RAW_FIELDS = (
    "finished_at",
    "provider_id",
    "connection_id",
    "skill_id",
    "model",
    "route",
    "status",
    "prompt_tokens",
    "completion_tokens",
    "cost",
    "latency_ms",
)


def _sum_raw(rows: Iterable[Sequence[Any]]) -> dict[tuple, dict[str, Any]]:
    """Invocations (as `_RAW_FIELDS` tuples) summed per group key: the one place raw rows
    become totals, shared by the roll-up and the pending tail of `usage_rows`."""
    sums: dict[tuple, dict[str, Any]] = {}
    for finished, provider, conn, skill, model, route, status, prompt, completion, cost, ms in rows:
        key = (timezone.localdate(finished), provider, conn, skill, model, route)
        total = sums.get(key)
        if total is None:
            total = sums[key] = _zero()
        total["invocations"] += 1
        total["failures"] += status == InvocationStatus.FAILED
        total["prompt_tokens"] += prompt
        total["completion_tokens"] += completion
        total["cost"] += cost
        if ms is not None:
            total[latency.COLUMNS[latency.bucket_of(ms)]] += 1
    return sums


def _zero() -> dict[str, Any]:
    return {**dict.fromkeys(TOTAL_FIELDS, 0), "cost": Decimal(0)}


def _add(key: dict[str, Any], total: dict[str, Any]) -> None:
    """Add one key's sums to its row: an F() update, or the row's creation on first use."""
    values = {name: value for name, value in total.items() if value}
    delta = {name: F(name) + value for name, value in values.items()}
    if UsageDaily.objects.filter(**key).update(**delta):
        return
    try:
        with transaction.atomic():
            UsageDaily.objects.create(**key, **values)
    except IntegrityError:  # a concurrent roll-up created it first
        UsageDaily.objects.filter(**key).update(**delta)


def usage_rows(
    group_by: Sequence[str] = GROUP_FIELDS,
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Totals grouped by `group_by` (a subset of `GROUP_FIELDS`): the rolled-up rows summed
    by the database, plus the invocations not rolled up yet.

    The only correct way to read usage. `day_from`/`day_to` are inclusive; `filters` are ORM
    lookups both UsageDaily and Invocation understand (`provider=...`, `route="byok"`,
    `model__startswith=...`). Each row holds the group's fields and every total of
    `TOTAL_FIELDS` (the latency histogram's buckets among them). The pending tail is summed
    in Python by `_sum_raw`, as the roll-up will sum it: it is a few seconds of invocations.
    """
    unknown = set(group_by) - set(GROUP_FIELDS)
    if unknown:
        raise ValueError(f"cannot group usage by {', '.join(sorted(unknown))}")
    group = tuple(group_by)
    days = {}
    if day_from is not None:
        days["day__gte"] = day_from
    if day_to is not None:
        days["day__lte"] = day_to
    totals = UsageDaily.objects.filter(**filters, **days).order_by()
    sums = {f"sum_{name}": Sum(name) for name in TOTAL_FIELDS}
    # Grouped by nothing, the grand total: `.values()` without fields would group by row.
    rolled = [totals.aggregate(**sums)] if not group else totals.values(*group).annotate(**sums)
    merged: dict[tuple, dict[str, Any]] = {}
    zero = _zero()
    for row in rolled:
        if not group and row["sum_invocations"] is None:
            continue  # no rolled-up rows at all
        key = tuple(row[name] for name in group)
        merged[key] = {
            **dict(zip(group, key, strict=True)),
            **{name: row[f"sum_{name}"] or zero[name] for name in TOTAL_FIELDS},
        }
    pending = Invocation.objects.filter(usage_pending=True, **filters)
    if days:
        pending = pending.annotate(day=TruncDate("finished_at")).filter(**days)
    raw = _sum_raw(pending.order_by().values_list(*_RAW_FIELDS).iterator())
    for full_key, total in raw.items():
        named = dict(zip(GROUP_FIELDS, full_key, strict=True))
        key = tuple(named[name] for name in group)
        into = merged.setdefault(key, {**dict(zip(group, key, strict=True)), **_zero()})
        for name in TOTAL_FIELDS:
            into[name] += total[name]
    return sorted(merged.values(), key=_order_key)


def _order_key(row: dict[str, Any]) -> tuple:
    """Newest day first; then by the other group fields, empty ones first."""
    day = row.get("day")
    rest = tuple((v is not None, v) for k, v in row.items() if k in GROUP_FIELDS and k != "day")
    return (-(day.toordinal()) if day else 0, rest)


def usage_totals(
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Daily totals per day/provider/connection/skill/model/route (`usage_rows` by every
    dimension), newest day first."""
    return usage_rows(GROUP_FIELDS, day_from, day_to, **filters)
