"""Token cost from the editable price table, and the daily usage aggregates charts read."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from providers.models import Provider

from ..models import ModelPrice, UsageDaily

MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.000001")


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


def record_usage(
    *,
    day: datetime.date,
    provider_id: int,
    model: str,
    route: str,
    failed: bool,
    prompt_tokens: int,
    completion_tokens: int,
    cost: Decimal,
) -> None:
    """Add one invocation to its day's row: an atomic F() update, created on first use.

    Concurrent workers may race to create the row; the loser's insert hits the unique
    constraint and falls back to the update, so no count is lost.
    """
    key = {"day": day, "provider_id": provider_id, "model": model[:200], "route": route}
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
