"""The invocation lifecycle: queued → running → succeeded | failed | cancelled.

The row is the truth. `create_invocation` writes it and publishes its id only once the
transaction commits; `run_invocation` claims it with a conditional UPDATE that must change
exactly one row (so a redelivered message, a sweeper re-publish or a second worker never runs
a finished invocation again) and finishes it with another conditional UPDATE guarded by its
claim token (so only the run that owns it records a result, and usage is counted once).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from providers.choices import Purpose
from skills.choices import TERMINAL_STATUSES, InvocationStatus, Source
from skills.models import Invocation, Record, Skill
from skills.services import dispatch
from skills.services.config import tunable
from skills.services.errors import InputError, ResolutionError, SkillError
from skills.services.execution import (
    Budget,
    build_request,
    call_route,
    describe_error,
    error_code,
    parse_json_output,
)
from skills.services.heartbeat import heartbeat
from skills.services.ratelimits import check_rate_limits
from skills.services.rendering import render_prompt, validate_input
from skills.services.resolution import Resolution
from skills.services.resolution_cache import (
    cached_price_for,
    cached_provider_for,
    cached_resolve,
    cached_skill,
    cached_skill_by_id,
)
from skills.services.usage import cost_of

logger = logging.getLogger(__name__)


def get_skill(skill_key: str) -> Skill:
    skill = cached_skill(skill_key)
    if skill is None:
        raise InputError(f"Unknown skill {skill_key!r}; see the Skills page for the keys.")
    if not skill.is_active:
        raise ResolutionError(
            "skill_inactive", f"Skill {skill.key} is inactive; activate it on Skills."
        )
    return skill


def create_invocation(
    skill_key: str,
    input: dict[str, Any],
    *,
    user: Any = None,
    source: str = Source.API,
    idempotency_key: str | None = None,
    record: Record | None = None,
    publish: bool = True,
) -> Invocation:
    """Validate, rate-limit and write a queued invocation; publish its task after commit.

    With an `idempotency_key`, the first invocation of the same user and key is returned
    instead of a new one (a retried POST runs the skill once).
    """
    return _create(
        skill_key,
        input,
        user=user,
        source=source,
        idempotency_key=idempotency_key,
        record=record,
        publish=publish,
    )


def _create(
    skill_key: str,
    input: dict[str, Any],
    *,
    user: Any,
    source: str,
    idempotency_key: str | None,
    record: Record | None,
    publish: bool = False,
    claim_token: str | None = None,
) -> Invocation:
    """`create_invocation`; with `claim_token`, the row is written already claimed by it.

    A claimed row starts `running` (started and beating now), so the process that runs it
    at once skips the claim UPDATE and the read that would follow it.
    """
    user = user if getattr(user, "pk", None) else None
    if idempotency_key:
        existing = _by_idempotency_key(user, idempotency_key)
        if existing is not None:
            return existing
    skill = get_skill(skill_key)
    clean = validate_input(skill, input, record)
    provider = cached_provider_for(skill)
    check_rate_limits(skill, provider, user)
    now = timezone.now()
    row = Invocation(
        skill=skill,
        source=source,
        requested_by=user,
        idempotency_key=idempotency_key or None,
        input=clean,
        record=record,
        provider=provider,
        enqueued_at=now if publish else None,
        enqueue_count=1 if publish else 0,
    )
    if claim_token:
        row.status, row.claimed_by = InvocationStatus.RUNNING, claim_token
        row.started_at = row.heartbeat_at = now
    if not (publish or idempotency_key):
        row.save(force_insert=True)  # one autocommit INSERT: nothing else to keep atomic
        return row
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            if publish:
                pk = row.pk
                transaction.on_commit(lambda: dispatch.publish(pk))
    except IntegrityError:
        existing = _by_idempotency_key(user, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing
    return row


def _by_idempotency_key(user: Any, key: str) -> Invocation | None:
    return (
        Invocation.objects.filter(requested_by=user, idempotency_key=key)
        .order_by("created_at")
        .first()
    )


def invoke_now(
    skill_key: str,
    input: dict[str, Any],
    *,
    user: Any = None,
    source: str = Source.CLI,
    idempotency_key: str | None = None,
    record: Record | None = None,
) -> Invocation:
    """Create and run an invocation in this process (the `invoke_skill` and `?wait` path)."""
    token = _new_token()
    invocation = _create(
        skill_key,
        input,
        user=user,
        source=source,
        idempotency_key=idempotency_key,
        record=record,
        claim_token=token,
    )
    if invocation.claimed_by == token:  # new, and already claimed by this call
        return _run_claimed(invocation, token)
    if invocation.status == InvocationStatus.QUEUED:  # an earlier request's, still waiting
        finished = run_invocation(invocation.pk)
        if finished is not None:
            return finished
    invocation.refresh_from_db()
    return invocation


def wait_for(invocation_id: uuid.UUID | str, timeout: float, poll: float = 0.05) -> Invocation:
    """Poll until the invocation is terminal or `timeout` seconds pass; returns the row."""
    end = time.monotonic() + timeout
    while True:
        invocation = Invocation.objects.get(pk=invocation_id)
        if invocation.status in TERMINAL_STATUSES or time.monotonic() >= end:
            return invocation
        time.sleep(min(poll, max(0.0, end - time.monotonic())))
        poll = min(poll * 1.5, 0.5)


def cancel_invocation(invocation_id: uuid.UUID | str) -> bool:
    """Cancel a queued or running invocation; False if it had already finished.

    A running call is not interrupted, but its result is discarded: the finishing UPDATE only
    matches rows still `running`.
    """
    changed = Invocation.objects.filter(
        pk=invocation_id, status__in=[InvocationStatus.QUEUED, InvocationStatus.RUNNING]
    ).update(
        status=InvocationStatus.CANCELLED,
        finished_at=timezone.now(),
        error_code="cancelled",
        error_message="Cancelled before it finished.",
    )
    return changed == 1


# -- running ----------------------------------------------------------------------------------


def _new_token() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def claim(invocation_id: uuid.UUID | str) -> str | None:
    """Take the invocation if it is queued, or running under a worker that stopped beating."""
    token = _new_token()
    return token if _claim(uuid.UUID(str(invocation_id)), token) is not None else None


def _claim(invocation_id: uuid.UUID, token: str) -> Invocation | None:
    """The claim UPDATE, returning the claimed row (None if this call did not win it).

    One statement (UPDATE … RETURNING, PostgreSQL and SQLite ≥ 3.35) instead of an UPDATE and
    a SELECT: a worker pays this on every invocation. `raw()` maps the returned columns
    through the model's field converters like any query.
    """
    connection = connections[router.db_for_write(Invocation)]
    ops, meta = connection.ops, Invocation._meta
    now = timezone.now()
    stale = now - timezone.timedelta(seconds=tunable("SKILLS_STALE_AFTER_SECONDS"))
    columns = ", ".join(ops.quote_name(f.column) for f in meta.concrete_fields)
    # Identifiers come from the model's metadata; every value is a parameter.
    sql = (
        f"UPDATE {ops.quote_name(meta.db_table)} "  # noqa: S608
        "SET status = %s, claimed_by = %s, started_at = %s, heartbeat_at = %s "
        "WHERE id = %s AND (status = %s OR (status = %s AND heartbeat_at < %s)) "
        f"RETURNING {columns}"
    )
    at, before = ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(stale)
    running, queued = InvocationStatus.RUNNING.value, InvocationStatus.QUEUED.value
    params = [running, token, at, at, meta.pk.get_db_prep_value(invocation_id, connection)]
    params += [queued, running, before]
    return next(iter(Invocation.objects.db_manager(connection.alias).raw(sql, params)), None)


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
    try:
        invocation_id = uuid.UUID(str(invocation_id))
    except ValueError:
        logger.warning("ignoring a task for malformed invocation id %r", invocation_id)
        return None
    token = _new_token()
    invocation = _claim(invocation_id, token)
    if invocation is None:
        return None
    return _run_claimed(invocation, token, read_back=read_back)


def _run_claimed(invocation: Invocation, token: str, *, read_back: bool = True) -> Invocation:
    """Run an invocation this process holds the claim of, and record its result."""
    # The skill comes from the per-process configuration cache rather than a join per row.
    invocation.skill = cached_skill_by_id(invocation.skill_id) or invocation.skill
    started = time.monotonic()
    with heartbeat.beating(invocation.pk, token):
        result = _execute(invocation)
    result.fields["latency_ms"] = round((time.monotonic() - started) * 1000)
    return _finish(invocation, token, result, read_back=read_back)


def _execute(invocation: Invocation) -> _Result:
    out = _Result()
    budget = Budget.start(invocation.attempts)
    skill = invocation.skill
    try:
        resolution = cached_resolve(skill, trace=out.trace)
    except ResolutionError as exc:
        out.fields.update(error_code=exc.code, error_message=exc.message)
        out.trace = exc.trace
        return out
    except Exception:
        return _internal_error(out, invocation)
    try:
        _run_route(invocation, resolution, out, budget)
    except SkillError as exc:
        out.fields.update(error_code=exc.code, error_message=exc.message)
    except Exception:
        return _internal_error(out, invocation)
    out.fields["attempts"] = budget.attempts
    return out


def _internal_error(out: _Result, invocation: Invocation) -> _Result:
    logger.exception("invocation %s failed unexpectedly", invocation.pk)
    out.fields.update(
        error_code="internal",
        error_message="Unexpected error while running the skill; the worker log has details.",
    )
    return out


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
    invocation: Invocation, resolution: Resolution, out: _Result, budget: Budget
) -> None:
    """Primary route, then (after retryable failures exhausted it) the policy's fallback."""
    _describe_route(resolution, out)
    outcome = _call(invocation, resolution, out, budget)
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
    _describe_route(second, out)
    out.fields["used_fallback"] = True
    _call(invocation, second, out, budget)


def _call(invocation: Invocation, resolution: Resolution, out: _Result, budget: Budget) -> Any:
    """Render the variant of `resolution` and call its route; fills `out` either way."""
    system, prompt = render_prompt(
        invocation.skill,
        resolution.variant.template,
        resolution.variant.system_prompt,
        invocation.input,
        invocation.record,
    )
    if settings.OUTBOUND_LOG_LEVEL != "basic":
        out.fields["rendered_prompt"] = prompt[: settings.OUTBOUND_LOG_BODY_LIMIT]
    request = build_request(resolution, system, prompt)
    outcome = call_route(
        resolution,
        request,
        budget=budget,
        scope={"purpose": Purpose.INVOCATION, "invocation_id": invocation.pk},
        should_stop=lambda: _is_cancelled(invocation.pk),
    )
    out.request_ids.extend(outcome.request_ids)
    out.fields["attempts"] = budget.attempts
    if outcome.result is not None:
        result = outcome.result
        usage = result.usage
        price = cached_price_for(resolution.provider, result.model, resolution.model)
        out.failed = False
        out.fields.update(
            error_code="",
            error_message="",
            output=result.text,
            output_json=(
                parse_json_output(result.text) if request.response_format == "json" else None
            ),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            cost=cost_of(price, usage.prompt_tokens, usage.completion_tokens),
        )
        if result.model:
            out.trace.append(
                {"step": "response", "value": result.model, "reason": "model reported by provider"}
            )
    elif outcome.error is not None:
        out.fields.update(
            error_code=error_code(outcome.error), error_message=describe_error(outcome.error)
        )
    return outcome


def _is_cancelled(invocation_id: uuid.UUID) -> bool:
    return Invocation.objects.filter(pk=invocation_id, status=InvocationStatus.CANCELLED).exists()


def _finish(
    invocation: Invocation, token: str, result: _Result, *, read_back: bool = True
) -> Invocation | None:
    now = timezone.now()
    fields = dict(result.fields)
    status = InvocationStatus.FAILED if result.failed else InvocationStatus.SUCCEEDED
    if result.failed and not fields.get("error_code"):
        fields.update(error_code="failed", error_message="The skill call did not complete.")
    for name in ("provider", "connection", "alias", "variant"):
        if name in fields:
            obj = fields.pop(name)
            fields[f"{name}_id"] = obj.pk if obj is not None else None
    fields["error_message"] = str(fields.get("error_message", ""))[:2000]
    # Usage is counted by the roll-up from this mark, set in the same statement as the
    # result: a worker killed before it leaves the row running and unmarked, so the run that
    # takes it over is the one counted.
    fields["usage_pending"] = all(fields.get(k) for k in ("provider_id", "route", "model"))
    values = dict(fields, status=status, finished_at=now, heartbeat_at=now)
    values.update(resolution_trace=result.trace, provider_request_ids=result.request_ids)
    changed = Invocation.objects.filter(
        pk=invocation.pk, status=InvocationStatus.RUNNING, claimed_by=token
    ).update(**values)
    if changed == 1:
        # What the UPDATE wrote, so the caller sees the finished row without reading it back.
        for name, value in values.items():
            setattr(invocation, name, value)
    else:
        logger.info("invocation %s finished elsewhere or was cancelled", invocation.pk)
        if read_back:
            invocation.refresh_from_db()
    return invocation
