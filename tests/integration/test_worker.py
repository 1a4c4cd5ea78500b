"""Invocations through a real worker process: nothing lost, nothing run twice.

Faults (the broker flushed, provider storms and the rest) are in `test_faults.py`.

Exactly once is read from the usage aggregates, which only the run that wins the final
conditional UPDATE increments: their total must equal the number of invocations.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from providers.outbound.models import OutboundRequest
from skills.choices import InvocationStatus
from skills.models import Invocation, ModelPrice, UsageDaily
from skills.services.invocations import create_invocation
from skills.services.usage import roll_up_usage, usage_totals
from tests.integration.conftest import Worker, wait_until_terminal
from tests.skills.conftest import World

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration")]

INPUT = {"short_description": "Printer on fire"}


def _create(world: World, n: int) -> list:
    return [create_invocation(world.skill.key, INPUT).pk for _ in range(n)]


def _assert_exactly_once(ids: list, counts: dict, worker: Worker) -> None:
    assert counts == {InvocationStatus.SUCCEEDED: len(ids)}, worker.logs()
    assert sum(row["invocations"] for row in usage_totals()) == len(ids)


def test_it_completes_200_invocations_exactly_once(world, worker, sandbox) -> None:
    sandbox.set_faults("azure_openai", latency_ms=50)
    worker.start()
    ids = _create(world, 200)
    counts = wait_until_terminal(ids, 50)
    _assert_exactly_once(ids, counts, worker)
    rows_per_run = dict(
        OutboundRequest.objects.filter(invocation_id__in=ids)
        .values_list("invocation_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_invocation = [rows_per_run.get(pk, 0) for pk in ids]
    assert set(per_invocation) == {1}
    assert len([r for r in sandbox.requests if r["provider"] == "azure_openai"]) == 200


def test_it_counts_the_usage_of_concurrent_finishes_exactly(world, worker, sandbox) -> None:
    price = ModelPrice.objects.create(
        provider=world.azure,
        model_pattern="gpt",
        input_per_million=Decimal("2.5"),
        output_per_million=Decimal(10),
    )
    try:
        sandbox.set_faults("azure_openai", latency_ms=50)
        worker.start()
        ids = _create(world, 64)
        counts = wait_until_terminal(ids, 40)
        assert counts == {InvocationStatus.SUCCEEDED: 64}, worker.logs()
    finally:
        price.delete()
    assert usage_totals(provider=world.azure)[0]["invocations"] == 64  # pending, counted live
    assert roll_up_usage() == 64
    assert UsageDaily.objects.count() == 1
    [total] = usage_totals(provider=world.azure)
    expected = Invocation.objects.filter(pk__in=ids).aggregate(
        prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"), cost=Sum("cost")
    )
    assert expected["cost"] > 0
    assert total["invocations"] == 64
    assert total["failures"] == 0
    assert (total["prompt_tokens"], total["completion_tokens"], total["cost"]) == (
        expected["prompt"],
        expected["completion"],
        expected["cost"],
    )
