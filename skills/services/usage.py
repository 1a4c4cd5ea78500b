"""Token cost from the editable price table, and the daily usage aggregates charts read."""

from __future__ import annotations

import datetime
import zlib
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from providers.models import Provider

from ..models import ModelPrice, UsageDaily

MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.000001")

# Counter rows per (day, provider, model, route). Every finish increments its key inside the
# finish transaction; with one row, a hundred concurrent finishes queue on one row lock. Sixteen
# rows spread them out while keeping charts cheap (at most sixteen rows summed per key).
USAGE_SHARDS = 16

_TOTAL_FIELDS = ("invocations", "failures", "prompt_tokens", "completion_tokens", "cost")
_GROUP_FIELDS = ("day", "provider_id", "model", "route")


def price_for(provider: Provider | int, *models: str) -> ModelPrice | None:
    """The longest `model_pattern` that prefixes one of `models` (tried in order).

    The provider-reported model (`gpt-4o-2024-11-20`) is tried before the deployment name a
    customer chose (`gpt4o-prod`), which rarely resembles a price-table entry.
    """
    prices = list(ModelPrice.objects.filter(provider=provider))
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


def shard_for(invocation_id: UUID | str | int) -> int:
    """A stable shard for an invocation: the same id always lands on the same row.

    crc32 rather than `hash()`, which is salted per process for strings.
    """
    return zlib.crc32(str(invocation_id).encode()) % USAGE_SHARDS


def record_usage(
    *,
    invocation_id: UUID | str | int,
    day: datetime.date,
    provider_id: int,
    model: str,
    route: str,
    failed: bool,
    prompt_tokens: int,
    completion_tokens: int,
    cost: Decimal,
) -> None:
    """Add one invocation to its day's shard row: an atomic F() update, created on first use.

    Concurrent workers may race to create the row; the loser's insert hits the unique
    constraint and falls back to the update, so no count is lost.
    """
    key = {
        "day": day,
        "provider_id": provider_id,
        "model": model[:200],
        "route": route,
        "shard": shard_for(invocation_id),
    }
    delta = {
        "invocations": F("invocations") + 1,
        "failures": F("failures") + (1 if failed else 0),
        "prompt_tokens": F("prompt_tokens") + prompt_tokens,
        "completion_tokens": F("completion_tokens") + completion_tokens,
        "cost": F("cost") + cost,
    }
    if UsageDaily.objects.filter(**key).update(**delta):
        return
    try:
        with transaction.atomic():
            UsageDaily.objects.create(
                **key,
                invocations=1,
                failures=1 if failed else 0,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cost=cost,
            )
    except IntegrityError:
        UsageDaily.objects.filter(**key).update(**delta)


def usage_totals(
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
    **filters: Any,
) -> list[dict[str, Any]]:
    """Daily totals per day/provider/model/route, summed over the counter shards.

    The only correct way to read usage: a single UsageDaily row is one shard's part of a
    total. `day_from`/`day_to` are inclusive; `filters` are ORM lookups on UsageDaily
    (`provider=...`, `route="byok"`, `model__startswith=...`). Newest day first.
    """
    rows = UsageDaily.objects.filter(**filters)
    if day_from is not None:
        rows = rows.filter(day__gte=day_from)
    if day_to is not None:
        rows = rows.filter(day__lte=day_to)
    grouped = (
        rows.order_by()
        .values(*_GROUP_FIELDS)
        .annotate(**{f"total_{name}": Sum(name) for name in _TOTAL_FIELDS})
        .order_by("-day", "provider_id", "model", "route")
    )
    return [
        {
            **{name: row[name] for name in _GROUP_FIELDS},
            **{name: row[f"total_{name}"] for name in _TOTAL_FIELDS},
        }
        for row in grouped
    ]
