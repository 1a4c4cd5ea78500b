"""Running skills for real: the SDKs against the sandbox, retries on injected faults, the
fallback route, usage and cost, and the invoke_skill command."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from providers.choices import OutboundState
from providers.outbound.models import OutboundRequest
from skills.choices import InvocationStatus, ResponseFormat
from skills.models import ModelPrice
from skills.services.invocations import create_invocation, invoke_now, run_invocation
from skills.services.usage import usage_totals
from tests.commits import counting_commits
from tests.skills.conftest import AZURE_KEY, World

INPUT = {"short_description": "Email down for the whole finance team"}


def test_it_runs_a_skill_on_the_byok_connection_and_records_everything(
    live_world: World,
) -> None:
    ModelPrice.objects.create(
        provider=live_world.azure, model_pattern="gpt-4", input_per_million=1, output_per_million=1
    )
    ModelPrice.objects.create(
        provider=live_world.azure,
        model_pattern="gpt-4o",
        input_per_million=Decimal("2.5"),
        output_per_million=Decimal(10),
    )
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert inv.output
    assert (inv.route, inv.connection, inv.model) == ("byok", live_world.azure_conn, "gpt4o-prod")
    assert inv.prompt_tokens > 0
    assert inv.total_tokens == inv.prompt_tokens + inv.completion_tokens
    expected = (Decimal(inv.prompt_tokens) * Decimal("2.5") + inv.completion_tokens * 10) / 10**6
    assert inv.cost == expected.quantize(Decimal("0.000001"))
    assert inv.attempts == 1
    rows = list(OutboundRequest.objects.filter(invocation_id=inv.pk))
    assert len(rows) == 1
    assert rows[0].provider_request_id in inv.provider_request_ids
    [usage] = usage_totals(provider=live_world.azure, model="gpt4o-prod", route="byok")
    assert (usage["invocations"], usage["failures"], usage["prompt_tokens"]) == (
        1,
        0,
        inv.prompt_tokens,
    )
    assert usage["cost"] == inv.cost


@pytest.mark.django_db(transaction=True)
def test_a_run_takes_two_commits_and_four_statements_once_configuration_is_cached(
    live_world: World, settings
) -> None:
    """The hot path's budget. First commit: the claim (or, in process, the row written
    already claimed) with the outbound row, before the request leaves; second: the row's
    outcome with the result. Skill, rules, resolution and prices come from the cache."""
    settings.SKILLS_RESOLUTION_CACHE_SECONDS = 60  # the first call imports the SDK: slow
    invoke_now(live_world.skill.key, INPUT)  # fills the per-process configuration cache
    with counting_commits() as counted:
        inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert (counted.commits, len(counted.statements)) == (2, 4), counted.statements
    stored = type(inv).objects.get(pk=inv.pk)
    for name in ("status", "output", "total_tokens", "cost", "provider_request_ids", "route"):
        assert getattr(stored, name) == getattr(inv, name), name  # what it returned was written
    assert stored.usage_pending
    assert stored.claimed_by
    assert stored.started_at
    row = OutboundRequest.objects.get(invocation_id=inv.pk)
    assert (row.state, row.status_code) == (OutboundState.DONE, 200)
    queued = create_invocation(live_world.skill.key, INPUT, publish=False)
    with counting_commits() as counted:  # the claim UPDATE returns the row: no SELECT after it
        ran = run_invocation(queued.pk, read_back=False)
    assert ran.status == InvocationStatus.SUCCEEDED, ran.error_message
    assert (counted.commits, len(counted.statements)) == (2, 4), counted.statements


@pytest.mark.django_db(transaction=True)
def test_a_retry_folds_the_last_outcome_into_the_next_outbound_row(
    live_world: World, sandbox, settings
) -> None:
    """Two attempts: the claim with row 1; row 1's outcome with row 2; row 2's outcome with
    the result. Between attempts the worker checks that the run is still its own (one UPDATE,
    committed by itself)."""
    settings.SKILLS_RESOLUTION_CACHE_SECONDS = 60
    settings.SKILLS_BACKOFF_BASE = 0.001
    invoke_now(live_world.skill.key, INPUT)
    sandbox.set_faults("azure_openai", kind="server_error", fail_next=1)
    with counting_commits() as counted:
        inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert counted.commits == 3 + 1, counted.statements
    rows = OutboundRequest.objects.filter(invocation_id=inv.pk).order_by("attempt")
    assert [(r.attempt, r.status_code, r.state) for r in rows] == [
        (1, 500, OutboundState.DONE),
        (2, 200, OutboundState.DONE),
    ]


def test_it_retries_throttling_honouring_the_hint_until_it_succeeds(
    live_world, sandbox, settings
) -> None:
    """The waits between attempts are the provider's hint, not the (here tiny) backoff."""
    settings.SKILLS_BACKOFF_BASE = 0.001
    hint = 0.3
    sandbox.set_faults("azure_openai", kind="throttle", fail_next=2, retry_after_s=hint)
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert inv.attempts == 3
    rows = list(OutboundRequest.objects.filter(invocation_id=inv.pk).order_by("attempt"))
    assert [(r.attempt, r.status_code) for r in rows] == [(1, 429), (2, 429), (3, 200)]
    gaps = [(b.created_at - a.created_at).total_seconds() for a, b in itertools.pairwise(rows)]
    assert all(gap >= hint for gap in gaps), gaps


def test_it_fails_at_once_on_a_permanent_error_without_leaking_the_key(live_world) -> None:
    conn = live_world.azure_conn
    conn.set_secrets({"api_key": "sandbox-wrong-key-000000000"})
    conn.save()
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.FAILED
    assert inv.attempts == 1
    assert inv.error_code == "provider_auth"
    assert "sandbox-wrong-key" not in inv.error_message
    assert AZURE_KEY not in json.dumps(inv.resolution_trace)


def test_it_gives_up_after_the_attempt_budget(live_world, sandbox, settings) -> None:
    settings.SKILLS_MAX_ATTEMPTS = 3
    sandbox.set_faults("azure_openai", kind="server_error", fail_next=10)
    inv = invoke_now(live_world.skill.key, INPUT)
    assert (inv.status, inv.error_code, inv.attempts) == (
        InvocationStatus.FAILED,
        "provider_server",
        3,
    )
    [usage] = usage_totals(provider=live_world.azure)
    assert (usage["invocations"], usage["failures"]) == (1, 1)


def test_it_falls_back_to_the_policys_second_provider(live_world, sandbox, settings) -> None:
    settings.SKILLS_MAX_ATTEMPTS = 2
    live_world.policy.fallback_provider = live_world.now_llm
    live_world.policy.save()
    sandbox.set_faults("azure_openai", kind="server_error", fail_next=10)
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert inv.used_fallback
    assert (inv.route, inv.connection, inv.model) == ("oem", live_world.now_conn, "now-llm-large")
    assert inv.attempts == 3
    steps = [e["step"] for e in inv.resolution_trace]
    assert steps.count("provider") == 2
    assert "fallback" in steps
    routes = OutboundRequest.objects.filter(invocation_id=inv.pk).values_list("route", flat=True)
    assert sorted(routes) == ["byok", "byok", "oem"]


def test_it_does_not_fall_back_after_a_permanent_error(live_world) -> None:
    live_world.policy.fallback_provider = live_world.now_llm
    live_world.policy.save()
    live_world.azure_conn.set_secrets({"api_key": "sandbox-wrong-key-000000000"})
    live_world.azure_conn.save()
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.FAILED
    assert not inv.used_fallback


def test_it_retries_a_hung_request_after_the_connection_timeout(live_world, sandbox) -> None:
    live_world.azure_conn.timeout_seconds = 1
    live_world.azure_conn.save()
    sandbox.set_faults("azure_openai", kind="hang", fail_next=1, hang_s=3)
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert inv.attempts == 2
    hung, answered = OutboundRequest.objects.filter(invocation_id=inv.pk).order_by("attempt")
    assert hung.status_code is None
    assert answered.status_code == 200
    # It gave up at the 1 s timeout, not when the 3 s hang ended.
    assert 900 <= hung.latency_ms < 2500, hung.latency_ms


def test_it_parses_the_output_of_a_json_variant(live_world) -> None:
    live_world.variant.response_format = ResponseFormat.JSON
    live_world.variant.template = "Return JSON with a summary of: {{ short_description }}"
    live_world.variant.save()
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert inv.output_json is not None


def test_it_prints_the_invocation_as_json_from_the_command(live_world, capsys) -> None:
    call_command("invoke_skill", live_world.skill.key, "--input", json.dumps(INPUT), "--json")
    view = json.loads(capsys.readouterr().out)
    assert view["status"] == "succeeded"
    assert (view["route"], view["provider"], view["connection"]) == (
        "byok",
        "azure_openai",
        "contoso-azure",
    )
    assert view["outbound_request_ids"]
    assert view["resolution_trace"][0]["step"] == "skill"
    assert view["tokens"]["total"] > 0


def test_it_exits_with_one_readable_line_when_the_command_fails(live_world) -> None:
    live_world.mapping.delete()
    with pytest.raises(CommandError) as exc:
        call_command("invoke_skill", live_world.skill.key, "--input", json.dumps(INPUT))
    assert "map alias gpt_large on Model aliases" in str(exc.value)
    assert "\n" not in str(exc.value)
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("invoke_skill", live_world.skill.key, "--input", "{nope")
    with pytest.raises(CommandError, match="short_description is required"):
        call_command("invoke_skill", live_world.skill.key, "--input", "{}")
