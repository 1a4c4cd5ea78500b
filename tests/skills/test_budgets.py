"""Budgets on real calls: reserve before sending, refuse at the limit (>=), settle with the
actual usage, and hold under concurrent invocations (PostgreSQL)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from providers.choices import ProviderKind
from providers.models import Connection, Provider
from providers.outbound.models import OutboundRequest
from skills.choices import InvocationStatus
from skills.models import Budget, BudgetReservation, BudgetUsage, Invocation, Skill
from skills.services import budgets
from skills.services.agents import run_agent_now
from skills.services.invocations import invoke_now
from tests.skills.governance_support import serve

PROMPT = {"prompt": "Summarize: the VPN drops every hour for the finance team."}


def _budget(**fields: Any) -> Budget:
    values = {
        "name": "Instance tokens",
        "scope": "instance",
        "period": "day",
        "metric": "tokens",
        "limit": Decimal(100_000),
    }
    return Budget.objects.create(**(values | fields))


def _usage(budget: Budget) -> BudgetUsage:
    return BudgetUsage.objects.get(budget=budget, period_start=budgets.period_start(budget.period))


def _reserved(inv: Invocation) -> Decimal:
    """What the call reserved, from its trace ("budget …: reserved 1057")."""
    [line] = [t["reason"] for t in inv.resolution_trace if t["step"] == "budget"]
    return Decimal(line.rsplit(" ", 1)[1])


def test_a_call_reserves_then_settles_with_what_it_used(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    budget = _budget()
    inv = invoke_now("generic_prompt", PROMPT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    usage = _usage(budget)
    assert (usage.used, usage.reserved) == (inv.total_tokens, 0)
    assert not BudgetReservation.objects.exists()
    [line] = [t for t in inv.resolution_trace if t["step"] == "budget"]
    assert "Instance tokens" in line["reason"]
    assert "reserved" in line["reason"]


def test_a_cost_budget_settles_with_the_calls_cost(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    budget = _budget(name="Spend", metric="cost", limit=Decimal(5))
    inv = invoke_now("generic_prompt", PROMPT)
    assert inv.status == InvocationStatus.SUCCEEDED
    assert inv.cost > 0
    assert _usage(budget).used == inv.cost


def test_it_refuses_once_the_limit_is_reached_and_sends_nothing(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    budget = _budget(limit=Decimal(500))
    BudgetUsage.objects.create(
        budget=budget, period_start=budgets.period_start("day"), used=Decimal(500)
    )
    inv = invoke_now("generic_prompt", PROMPT)
    assert inv.status == InvocationStatus.FAILED
    assert inv.error_code == "budget_exceeded"
    assert "Instance tokens" in inv.error_message
    assert not OutboundRequest.objects.filter(invocation_id=inv.pk).exists()


def test_one_below_the_limit_still_lets_one_call_through(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    budget = _budget(limit=Decimal(500))
    BudgetUsage.objects.create(
        budget=budget, period_start=budgets.period_start("day"), used=Decimal(499)
    )
    assert invoke_now("generic_prompt", PROMPT).status == InvocationStatus.SUCCEEDED
    assert invoke_now("generic_prompt", PROMPT).error_code == "budget_exceeded"


def test_a_refusal_gives_back_what_the_other_budgets_reserved(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    roomy = _budget(name="A roomy one")  # reserved first: budgets are read by name
    full = _budget(name="Tight", limit=Decimal(10))
    BudgetUsage.objects.create(
        budget=full, period_start=budgets.period_start("day"), used=Decimal(10)
    )
    assert invoke_now("generic_prompt", PROMPT).error_code == "budget_exceeded"
    assert (_usage(roomy).used, _usage(roomy).reserved) == (0, 0)
    assert not BudgetReservation.objects.exists()


@pytest.mark.parametrize("scope", ["provider", "connection", "skill", "user"])
def test_a_scoped_budget_counts_only_its_own_calls(governed, operator_user, scope) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    targets = {
        "provider": {"provider": Provider.objects.get(kind=ProviderKind.AZURE_OPENAI)},
        "connection": {"connection": Connection.objects.get(name="contoso-azure")},
        "skill": {"skill": Skill.objects.get(key="generic_prompt")},
        "user": {"user": operator_user},
    }
    budget = _budget(scope=scope, **targets[scope])
    other = {
        "provider": lambda: serve(ProviderKind.GOOGLE_GEMINI),
        "connection": lambda: serve(ProviderKind.GOOGLE_GEMINI),
        "skill": lambda: None,
        "user": lambda: None,
    }
    inv = invoke_now("generic_prompt", PROMPT, user=operator_user)
    assert _usage(budget).used == inv.total_tokens
    other[scope]()
    elsewhere = invoke_now(
        "code_generation" if scope == "skill" else "generic_prompt",
        {"request": "a hello world"} if scope == "skill" else PROMPT,
    )
    assert elsewhere.status == InvocationStatus.SUCCEEDED, elsewhere.error_message
    assert _usage(budget).used == inv.total_tokens


def test_a_failed_provider_call_settles_at_nothing(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    budget = _budget()
    conn = Connection.objects.get(name="contoso-azure")
    conn.set_secrets({"api_key": "sandbox-wrong-key-000000000"})
    conn.save()
    inv = invoke_now("generic_prompt", PROMPT)
    assert inv.status == InvocationStatus.FAILED
    assert (_usage(budget).used, _usage(budget).reserved) == (0, 0)


def test_agent_model_steps_count_against_the_budget(governed) -> None:
    from tests.skills.test_agents import NOTE_GOAL, note_agent

    budget = _budget()
    note_agent(ProviderKind.AZURE_OPENAI)
    run = run_agent_now("note_taker", NOTE_GOAL)
    assert run.status == InvocationStatus.SUCCEEDED, run.error_message
    assert _usage(budget).used == run.prompt_tokens + run.completion_tokens
    assert _usage(budget).reserved == 0


def test_the_sweeper_settles_what_a_finished_run_left_reserved(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    budget = _budget()
    inv = invoke_now("generic_prompt", PROMPT)
    alive = Invocation.objects.create(skill=inv.skill, status=InvocationStatus.RUNNING)
    usage = _usage(budget)
    kept = BudgetReservation.objects.create(usage=usage, run_id=alive.pk, amount=Decimal(3))
    for run_id, amount in ((inv.pk, 900), (uuid.uuid4(), 7)):
        BudgetReservation.objects.create(usage=usage, run_id=run_id, amount=Decimal(amount))
    BudgetUsage.objects.filter(pk=usage.pk).update(reserved=Decimal(910))
    BudgetReservation.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert budgets.settle_finished() == 2
    usage.refresh_from_db()
    # Left by workers that died mid-call: those calls may have been paid for, in full. The
    # running run's reservation stays.
    assert (usage.used, usage.reserved) == (inv.total_tokens + 907, 3)
    assert list(BudgetReservation.objects.all()) == [kept]


def test_the_soft_threshold_is_marked_once(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    budget = _budget(limit=Decimal(100_000), soft_percent=1)
    BudgetUsage.objects.create(
        budget=budget, period_start=budgets.period_start("day"), used=Decimal(999)
    )
    invoke_now("generic_prompt", PROMPT)
    first = _usage(budget).soft_alerted_at
    assert first is not None
    invoke_now("generic_prompt", PROMPT)
    assert _usage(budget).soft_alerted_at == first


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers: PostgreSQL")
def test_fifty_concurrent_calls_never_overspend_by_more_than_one_reservation(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    invoke_now("generic_prompt", PROMPT)  # SDK imported, configuration cached
    budget = _budget(limit=Decimal(8000))
    results: list[Invocation] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            results.append(invoke_now("generic_prompt", PROMPT))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(results) == 50
    succeeded = [r for r in results if r.status == InvocationStatus.SUCCEEDED]
    refused = [r for r in results if r.error_code == "budget_exceeded"]
    assert succeeded
    assert refused
    assert len(succeeded) + len(refused) == 50
    usage = _usage(budget)
    one_call = max(_reserved(r) for r in succeeded)
    assert usage.reserved == 0
    assert usage.used == sum(r.total_tokens for r in succeeded)
    assert usage.used < budget.limit + one_call
