"""Token cost from the editable price table, and the daily usage totals charts read.

A finishing invocation does not touch the totals: its result UPDATE marks it
`usage_pending`, and `roll_up_usage` (a periodic task, every few seconds) adds pending rows
to `UsageDaily` and clears the mark in one transaction, so each invocation is counted
exactly once. Adding usage in the finish transaction instead cost every invocation a second
UPDATE and made concurrent finishes queue on the same counter row. `usage_totals` adds the
rows not yet rolled up, so readers always see every finished invocation.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from providers.models import Provider
from skills.choices import InvocationStatus
from skills.models import Invocation, ModelPrice, UsageDaily

MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.000001")
ROLL_UP_BATCH = 5000

_TOTAL_FIELDS = ("invocations", "failures", "prompt_tokens", "completion_tokens", "cost")
_GROUP_FIELDS = ("day", "provider_id", "model", "route")


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
    summed per day/provider/model/route, added to their `UsageDaily` rows, and unmarked.
    Returns how many invocations were added.
    """
    added = 0
    while True:
        with transaction.atomic():
            rows = list(
                Invocation.objects.filter(usage_pending=True)
                .select_for_update(skip_locked=True)
                .order_by()
                .values_list(
                    "pk",
                    "finished_at",
                    "provider_id",
                    "model",
                    "route",
                    "status",
                    "prompt_tokens",
                    "completion_tokens",
                    "cost",
                )[:batch]
            )
            if not rows:
                return added
            sums: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, 0, Decimal(0)])
            for _pk, finished, provider_id, model, route, status, prompt, completion, cost in rows:
                key = (timezone.localdate(finished), provider_id, model, route)
                total = sums[key]
                total[0] += 1
                total[1] += status == InvocationStatus.FAILED
                total[2] += prompt
                total[3] += completion
                total[4] += cost
            for key, total in sums.items():
                _add(dict(zip(_GROUP_FIELDS, key, strict=True)), total)
            Invocation.objects.filter(pk__in=[row[0] for row in rows]).update(usage_pending=False)
        added += len(rows)
        if len(rows) < batch:
            return added


def _add(key: dict[str, Any], total: list) -> None:
    """Add one key's sums to its row: an F() update, or the row's creation on first use."""
    values = dict(zip(_TOTAL_FIELDS, total, strict=True))
    delta = {name: F(name) + value for name, value in values.items()}
    if UsageDaily.objects.filter(**key).update(**delta):
        return
    try:
        with transaction.atomic():
            UsageDaily.objects.create(**key, **values)
    except IntegrityError:  # a concurrent roll-up created it first
        UsageDaily.objects.filter(**key).update(**delta)


def usage_totals(
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Daily totals per day/provider/model/route: the rolled-up rows plus the pending tail.

    The only correct way to read usage. `day_from`/`day_to` are inclusive; `filters` are ORM
    lookups both UsageDaily and Invocation understand (`provider=...`, `route="byok"`,
    `model__startswith=...`). Newest day first.
    """
    days = {}
    if day_from is not None:
        days["day__gte"] = day_from
    if day_to is not None:
        days["day__lte"] = day_to
    rolled = UsageDaily.objects.filter(**filters, **days).values(*_GROUP_FIELDS, *_TOTAL_FIELDS)
    pending = (
        Invocation.objects.filter(usage_pending=True, **filters)
        .annotate(day=TruncDate("finished_at"))
        .filter(**days)
        .order_by()
        .values(*_GROUP_FIELDS)
        .annotate(
            invocations=Count("pk"),
            failures=Count("pk", filter=Q(status=InvocationStatus.FAILED)),
            total_prompt=Sum("prompt_tokens"),
            total_completion=Sum("completion_tokens"),
            total_cost=Sum("cost"),
        )
    )
    merged: dict[tuple, dict[str, Any]] = {}
    for row in rolled:
        merged[tuple(row[name] for name in _GROUP_FIELDS)] = dict(row)
    for row in pending:
        key = tuple(row[name] for name in _GROUP_FIELDS)
        into = merged.setdefault(
            key, {**dict(zip(_GROUP_FIELDS, key, strict=True)), **dict.fromkeys(_TOTAL_FIELDS, 0)}
        )
        into["invocations"] += row["invocations"]
        into["failures"] += row["failures"]
        into["prompt_tokens"] += row["total_prompt"]
        into["completion_tokens"] += row["total_completion"]
        into["cost"] += row["total_cost"]
    ordered = sorted(merged.values(), key=lambda r: (r["provider_id"], r["model"], r["route"]))
    return sorted(ordered, key=lambda r: r["day"], reverse=True)
