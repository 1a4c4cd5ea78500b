"""Skill invocations: create one, run it (resolve, render, call, count usage), wait for it.

The lifecycle they share with agent runs (insert and publish on commit, claim, heartbeat,
finish under the claim token, cancel, sweep) is `skills.services.lifecycle`; this module keeps
what only a skill call does: validation and rate limits at creation, idempotency keys, the
in-process path that writes the row already claimed, and the route with its fallback.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import unitofwork
from core.errors import ErrorCode
from providers.choices import Purpose
from skills.choices import InvocationStatus, Source
from skills.models import Invocation, Record, Skill, SkillVariant
from skills.services import budgets, governance, idempotency, lifecycle
from skills.services.errors import InputError, ResolutionError, SkillError
from skills.services.execution import (
    Budget,
    build_request,
    call_route,
    describe_error,
    error_code,
    parse_json_output,
)
from skills.services.ratelimits import check_rate_limits
from skills.services.rendering import render_prompt, validate_input
from skills.services.resolution import Resolution
from skills.services.resolution_cache import (
    cached_provider_for,
    cached_resolve,
    cached_skill,
    cached_skill_by_id,
)
from skills.services.run_access import wait_for_run
from skills.services.streaming import LiveOutput

logger = logging.getLogger(__name__)


def get_skill(skill_key: str) -> Skill:
    skill = cached_skill(skill_key)
    if skill is None:
        raise InputError(f"Unknown skill {skill_key!r}; see the Skills page for the keys.")
    if not skill.is_active:
        raise ResolutionError(
            ErrorCode.SKILL_INACTIVE, f"Skill {skill.key} is inactive; activate it on Skills."
        )
    return skill


@dataclass(frozen=True)
class Submitted:
    """The invocation a request asked for, and whether this request wrote it.

    `created` is False for a replayed idempotency key, including when two requests with the
    same key raced and the other one wrote the row first.
    """

    invocation: Invocation
    created: bool


def create_invocation(
    skill_key: str,
    input: dict[str, Any],
    *,
    user: Any = None,
    source: str = Source.API,
    idempotency_key: str | None = None,
    record: Record | None = None,
    publish: bool = True,
    variant: SkillVariant | None = None,
) -> Invocation:
    """Validate, rate-limit and write a queued invocation; publish its task after commit.

    With an `idempotency_key`, the first invocation of the same user and key is returned
    instead of a new one (a retried POST runs the skill once), if it was asked for the same
    skill, input and record; otherwise `IdempotencyKeyReused` is raised.

    With a `variant` (any version of the skill's prompts, a draft included: the Prompts
    page's Try it), the run uses it in place of the one resolution would choose.
    """
    return submit_invocation(
        skill_key,
        input,
        user=user,
        source=source,
        idempotency_key=idempotency_key,
        record=record,
        publish=publish,
        variant=variant,
    ).invocation


def submit_invocation(
    skill_key: str,
    input: dict[str, Any],
    *,
    user: Any = None,
    source: str = Source.API,
    idempotency_key: str | None = None,
    record: Record | None = None,
    publish: bool = True,
    claim_token: str | None = None,
    variant: SkillVariant | None = None,
) -> Submitted:
    """`create_invocation`, saying whether this call wrote the invocation or replayed one.

    With `claim_token`, the row is written already claimed by it: it starts `running`
    (started and beating now), so the process that runs it at once skips the claim UPDATE
    and the read that would follow it.
    """
    user = user if getattr(user, "pk", None) else None
    asked = ""
    if idempotency_key:
        asked = idempotency.fingerprint(skill_key, input, record)
        if (existing := idempotency.first_run(user, idempotency_key, asked)) is not None:
            return Submitted(existing, created=False)
    skill = get_skill(skill_key)
    clean = validate_input(skill, input, record)
    if variant is not None and variant.skill_id != skill.pk:
        raise InputError(f"Prompt variant {variant.pk} is not a variant of skill {skill.key}.")
    provider = cached_provider_for(skill)
    check_rate_limits(skill, provider, user)
    row = Invocation(
        skill=skill,
        source=source,
        requested_by=user,
        idempotency_key=idempotency_key or None,
        idempotency_fingerprint=asked or None,
        input=clean,
        record=record,
        provider=provider,
        variant=variant,  # pinned; otherwise written with the result
    )
    if claim_token:
        row.status, row.claimed_by = InvocationStatus.RUNNING, claim_token
        row.started_at = row.heartbeat_at = timezone.now()
    if not idempotency_key:
        lifecycle.insert(row, publish=publish)
        return Submitted(row, created=True)
    try:
        with transaction.atomic():  # a savepoint: losing the key's race leaves the caller usable
            lifecycle.insert(row, publish=publish)
    except IntegrityError:
        # Another request with this key wrote its row between our lookup and our INSERT.
        existing = idempotency.first_run(user, idempotency_key, asked)
        if existing is None:
            raise
        return Submitted(existing, created=False)
    return Submitted(row, created=True)


def invoke_now(
    skill_key: str,
    input: dict[str, Any],
    *,
    user: Any = None,
    source: str = Source.CLI,
    idempotency_key: str | None = None,
    record: Record | None = None,
) -> Invocation:
    """Create and run an invocation in this process (the `invoke_skill` command's path).

    Web requests never take it: they queue the run for a worker and at most wait for it.
    """
    token = lifecycle.new_token()
    with unitofwork.unit_of_work() as unit:
        unit.hold()  # the new row commits with the first outbound row, as a claim would
        invocation = submit_invocation(
            skill_key,
            input,
            user=user,
            source=source,
            idempotency_key=idempotency_key,
            record=record,
            publish=False,
            claim_token=token,
        ).invocation
        if invocation.claimed_by == token:  # new, and already claimed by this call
            return _run_claimed(invocation, token)
    if invocation.status == InvocationStatus.QUEUED:  # an earlier request's, still waiting
        finished = run_invocation(invocation.pk)
        if finished is not None:
            return finished
    invocation.refresh_from_db()
    return invocation


def wait_for(invocation_id: uuid.UUID | str, timeout: float) -> Invocation:
    """Read the invocation until it is finished or `timeout` seconds pass (it never runs it)."""
    return wait_for_run(Invocation, invocation_id, timeout)


def cancel_invocation(invocation_id: uuid.UUID | str) -> bool:
    """Cancel a queued or running invocation; False if it had already finished.

    No rights check: a door acting for a user calls `run_access.cancel_run`, which has one.

    A running call is not interrupted, but it makes no further attempt and its result is
    discarded (see `lifecycle.cancel`).
    """
    return lifecycle.cancel(Invocation, invocation_id)


# -- running ----------------------------------------------------------------------------------


@dataclass
class _Result:
    """What a run learned; written in one UPDATE at the end."""

    fields: dict[str, Any] = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    failed: bool = True


def run_invocation(invocation_id: uuid.UUID | str, *, read_back: bool = True) -> Invocation | None:
    """Run one invocation if this call wins the claim; otherwise return None quietly.

    The returned row carries what the run wrote. Should another run have finished it first,
    it is read back unless `read_back=False` (the Celery task, which returns nothing).
    """
    token = lifecycle.new_token()
    with unitofwork.unit_of_work():
        invocation = lifecycle.claim(Invocation, invocation_id, token)
        if invocation is None:
            return None
        return _run_claimed(invocation, token, read_back=read_back)


def _run_claimed(invocation: Invocation, token: str, *, read_back: bool = True) -> Invocation:
    """Run an invocation this process holds the claim of, and record its result.

    Called inside a unit of work (`run_invocation`, `invoke_now`): the claim commits with the
    first outbound row, each attempt's outcome with the next write, the last with the result.
    """
    # The skill comes from the per-process configuration cache rather than a join per row.
    invocation.skill = cached_skill_by_id(invocation.skill_id) or invocation.skill
    started = time.monotonic()
    try:
        with lifecycle.beating(invocation, token):
            result = _execute(invocation, token)
    except unitofwork.DATABASE_UNAVAILABLE:
        # Before an answer arrived (a request whose row could not be written is not sent):
        # another delivery can run it from the start. If the claim itself was lost with the
        # failed commit, there is nothing to give back and nothing to report: the error is.
        if not lifecycle.release(invocation, token):
            raise
        return invocation
    result.fields["latency_ms"] = round((time.monotonic() - started) * 1000)
    _finish(invocation, token, result, read_back=read_back)
    return invocation


def _execute(invocation: Invocation, token: str) -> _Result:
    out = _Result()
    budget = Budget.start(invocation.attempts)
    skill = invocation.skill
    try:
        resolution = _pinned(invocation, cached_resolve(skill, trace=out.trace), out.trace)
    except ResolutionError as exc:
        out.fields.update(error_code=exc.code, error_message=exc.message)
        out.trace = exc.trace
        return out
    except unitofwork.DATABASE_UNAVAILABLE:
        raise
    except Exception:
        return _internal_error(out, invocation)
    try:
        _run_route(invocation, token, resolution, out, budget)
    except SkillError as exc:
        out.fields.update(error_code=exc.code, error_message=exc.message)
    except unitofwork.DATABASE_UNAVAILABLE:
        raise
    except Exception:
        return _internal_error(out, invocation)
    out.fields["attempts"] = budget.attempts
    return out


def _internal_error(out: _Result, invocation: Invocation) -> _Result:
    logger.exception("invocation %s failed unexpectedly", invocation.pk)
    out.fields.update(
        error_code=ErrorCode.INTERNAL,
        error_message="Unexpected error while running the skill; the worker log has details.",
    )
    return out


def _pinned(invocation: Invocation, resolution: Resolution, trace: list[dict]) -> Resolution:
    """The resolution with the variant the run was started on, if it was started on one.

    Only a run started with a `variant` has one before it finishes; the resolution itself
    (cached, shared) is left as it is.
    """
    if not invocation.variant_id or invocation.variant_id == resolution.variant.pk:
        return resolution
    variant = SkillVariant.objects.get(pk=invocation.variant_id)
    trace.append(
        {
            "step": "variant",
            "value": f"{variant.name} v{variant.version} ({variant.status})",
            "reason": "chosen on the skill's Prompts page, in place of "
            f"{resolution.variant.name} v{resolution.variant.version}",
        }
    )
    return replace(resolution, variant=variant)


def _describe_route(resolution: Resolution, out: _Result) -> None:
    out.fields.update(
        route=resolution.route,
        provider=resolution.provider,
        connection=resolution.connection,
        alias=resolution.alias,
        variant=resolution.variant,
        model=resolution.model,
    )


def _run_route(
    invocation: Invocation, token: str, resolution: Resolution, out: _Result, budget: Budget
) -> None:
    """Primary route, then (after retryable failures exhausted it) the policy's fallback."""
    _describe_route(resolution, out)
    outcome = _call(invocation, token, resolution, out, budget)
    fallback = resolution.fallback_provider
    if outcome.error is None or not outcome.exhausted or fallback is None:
        return
    out.trace.append(
        {
            "step": "fallback",
            "value": fallback.kind,
            "reason": f"{resolution.provider.kind} failed after {outcome.attempts} attempt(s): "
            f"{describe_error(outcome.error)}",
        }
    )
    try:
        second = cached_resolve(
            invocation.skill,
            provider=fallback,
            reason="fallback provider of the policy on Manage model providers",
            trace=out.trace,
        )
    except ResolutionError:
        return  # the trace says why; the primary route's error stands
    second = _pinned(invocation, second, out.trace)
    _describe_route(second, out)
    out.fields["used_fallback"] = True
    _call(invocation, token, second, out, budget)


def _call(
    invocation: Invocation, token: str, resolution: Resolution, out: _Result, budget: Budget
) -> Any:
    """Render the variant of `resolution` and call its route; fills `out` either way."""
    system, prompt = render_prompt(
        invocation.skill,
        resolution.variant.template,
        resolution.variant.system_prompt,
        invocation.input,
        invocation.record,
    )
    gate = governance.gate_for(invocation.skill, resolution.provider, invocation.record, out.trace)
    system, prompt = gate.mask(system), gate.mask(prompt)
    gate.record_masking()
    gate.screen(prompt)
    hold = gate.reserve(
        invocation.pk,
        resolution,
        system + prompt,
        resolution.variant.max_tokens,
        skill_id=invocation.skill_id,
        user_id=invocation.requested_by_id,
    )
    if settings.OUTBOUND_LOG_LEVEL != "basic":
        out.fields["rendered_prompt"] = prompt[: settings.OUTBOUND_LOG_BODY_LIMIT]
    request = build_request(resolution, system, prompt)
    outcome = call_route(
        resolution,
        request,
        budget=budget,
        scope={"purpose": Purpose.INVOCATION, "invocation_id": invocation.pk},
        should_stop=lambda: not lifecycle.still_owned(invocation, token),
        # A run someone watches in the console streams, so its answer shows as it comes.
        listener=LiveOutput(invocation, token, gate) if invocation.source == Source.UI else None,
    )
    out.request_ids.extend(outcome.request_ids)
    out.fields["attempts"] = budget.attempts
    result = outcome.result
    if result is not None:
        usage = result.usage
        cost = resolution.cost(result.model, usage.prompt_tokens, usage.completion_tokens)
        text = gate.restore(result.text)
        out.failed = False
        out.fields.update(
            error_code="",
            error_message="",
            output=text,
            output_json=(parse_json_output(text) if request.response_format == "json" else None),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            cost=cost,
        )
        if result.model:
            out.trace.append(
                {"step": "response", "value": result.model, "reason": "model reported by provider"}
            )
    elif outcome.error is not None:
        out.fields.update(
            error_code=error_code(outcome.error), error_message=describe_error(outcome.error)
        )
    if hold is not None:  # settled with what this call used, in the run's next commit
        used = result.usage.total_tokens if result is not None else 0
        spent = out.fields["cost"] if result is not None else Decimal(0)
        unitofwork.defer(functools.partial(budgets.settle, hold.reservations, used, spent))
    return outcome


def _finish(invocation: Invocation, token: str, result: _Result, *, read_back: bool) -> None:
    """Turn what the run learned into the finishing UPDATE's values, and write them."""
    fields = dict(result.fields)
    status = InvocationStatus.FAILED if result.failed else InvocationStatus.SUCCEEDED
    if result.failed and not fields.get("error_code"):
        fields.update(error_code=ErrorCode.FAILED, error_message="The skill call did not complete.")
    for name in ("provider", "connection", "alias", "variant"):
        if name in fields:
            obj = fields.pop(name)
            fields[f"{name}_id"] = obj.pk if obj is not None else None
    # Usage is counted by the roll-up from this mark, set in the same statement as the
    # result: a worker killed before it leaves the row running and unmarked, so the run that
    # takes it over is the one counted.
    fields["usage_pending"] = all(fields.get(k) for k in ("provider_id", "route", "model"))
    fields.update(resolution_trace=result.trace, provider_request_ids=result.request_ids)
    lifecycle.finish(invocation, token, status, fields, read_back=read_back)
