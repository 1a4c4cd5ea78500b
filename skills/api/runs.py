"""Running skills and agents over REST, and reading their logs.

POST /invocations/ (and /agent-runs/) queues a run for a Celery worker and answers 202 with
the run and a `Location` header holding its URL. `?wait=SECONDS` (0 to API_MAX_WAIT_SECONDS,
30 by default; more is a 400 field error) queues it the same way and then watches its row for
at most that long: 200 with the finished run, or 202 with `Location` if it is still queued or
running when the wait ends. The web process never runs a provider call itself, so waiting
requests cost sleeping threads for a bounded time, not provider calls. Starting a run also
counts against the per-user `runs` throttle (core/throttles.py).

An `Idempotency-Key` header makes a retried POST return the first invocation (200) instead
of running the skill again; the same key with a different body is refused (422). `cancel`
is allowed to a run's requester or an administrator only (skills.services.run_access).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from core.api import NewestFirstCursor, ReadOnlyViewSet
from core.errors import ErrorCode
from core.throttles import RunThrottle
from skills import filtersets
from skills.api.serializers import (
    AgentRunRequestSerializer,
    AgentRunSerializer,
    InvocationRequestSerializer,
    InvocationSerializer,
    SkillErrorSerializer,
)
from skills.choices import TERMINAL_STATUSES, Source
from skills.models import AgentRun, Invocation
from skills.models.runs import Run, load_outbound_ids
from skills.services.errors import IdempotencyKeyReused, RateLimitExceeded, SkillError
from skills.services.invocations import submit_invocation, wait_for
from skills.services.run_access import CancelOutcome, cancel_run

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


def max_wait_seconds() -> int:
    """API_MAX_WAIT_SECONDS: the longest `?wait` a request may ask for."""
    return int(settings.API_MAX_WAIT_SECONDS)


_WAIT = OpenApiParameter(
    "wait",
    int,
    description=(
        f"Seconds (0-{max_wait_seconds()} on this server) to wait for a worker to finish the "
        "run; 0 returns at once. The run is queued either way; when the wait ends first the "
        "answer is 202 with a `Location` to poll."
    ),
)
_IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    description=(
        "Replaying a POST with the same key and body returns the first run (200); the same "
        "key with another body is refused (422)."
    ),
)


def wait_seconds(request: Request) -> int:
    raw = request.query_params.get("wait", "0")
    most = max_wait_seconds()
    if not raw.isdigit() or int(raw) > most:
        raise ValidationError({"wait": [f"A whole number of seconds from 0 to {most}."]})
    return int(raw)


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 200:
        raise ValidationError({IDEMPOTENCY_HEADER: ["At most 200 characters."]})
    return key or None


def skill_error_response(exc: SkillError) -> Response:
    """A run refused before it started: 400 {code, detail}; 429 for a rate limit, 422 for an
    idempotency key first used for another request."""
    code: int = status.HTTP_400_BAD_REQUEST
    if isinstance(exc, RateLimitExceeded):
        code = status.HTTP_429_TOO_MANY_REQUESTS
    elif isinstance(exc, IdempotencyKeyReused):
        code = status.HTTP_422_UNPROCESSABLE_ENTITY
    return Response({"code": exc.code, "detail": exc.message}, status=code)


def _created(serializer: type, what: str) -> dict[int, Any]:
    """The answers of a POST that starts a run, for the schema."""
    return {
        200: OpenApiResponse(
            serializer, description=f"The {what} finished within the wait, or a replayed key."
        ),
        202: OpenApiResponse(
            serializer,
            description=f"The {what} is queued or running; poll the URL in `Location`.",
        ),
        400: SkillErrorSerializer,
        429: OpenApiResponse(
            SkillErrorSerializer, description="A rate-limit rule or a throttle refuses it."
        ),
    }


def _cancelled(serializer: type) -> dict[int, Any]:
    return {
        200: serializer,
        400: OpenApiResponse(SkillErrorSerializer, description="It had already finished."),
        403: OpenApiResponse(
            SkillErrorSerializer,
            description="Only its requester or an administrator may cancel a run.",
        ),
    }


class RunViewSet(ReadOnlyViewSet):
    """What both kinds of run share: a page reads its outbound request ids in one query (not
    one per run), starting one is throttled more strictly, the answer to a POST that started
    one, and cancel by the one rule."""

    pagination_class = NewestFirstCursor

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            load_outbound_ids(page)
        return page

    def get_throttles(self) -> list[BaseThrottle]:
        """Starting a run also counts against the stricter per-user `runs` rate."""
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(RunThrottle())
        return throttles

    def started(self, run: Run, *, waited: bool, replayed: bool = False) -> Response:
        """The answer to a POST that started (or replayed) `run`, read afresh.

        200 once it has finished within a wait, or for a replay (marked by the
        `Idempotent-Replayed: true` header); otherwise 202. Unless it has finished, `Location`
        says where to read it until it has.
        """
        run = self.get_queryset().get(pk=run.pk)
        done = run.status in TERMINAL_STATUSES
        code = status.HTTP_200_OK if replayed or (waited and done) else status.HTTP_202_ACCEPTED
        headers = {}
        if not done or code == status.HTTP_202_ACCEPTED:
            url = reverse(f"{self.basename}-detail", kwargs={"pk": run.pk})
            headers["Location"] = self.request.build_absolute_uri(url)
        if replayed:
            headers[REPLAYED_HEADER] = "true"
        return Response(self.get_serializer(run).data, status=code, headers=headers)

    def cancelled(self, run: Run) -> Response:
        """Cancel `run` for the caller, by the one rule of `run_access.cancel_run`."""
        label = run._meta.verbose_name
        outcome = cancel_run(self.request.user, run)
        if outcome is CancelOutcome.FORBIDDEN:
            return Response(
                {
                    "code": ErrorCode.FORBIDDEN,
                    "detail": f"Only the user who started this {label}, or an administrator, "
                    "may cancel it.",
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if outcome is CancelOutcome.FINISHED:
            return Response(
                {"code": ErrorCode.FINISHED, "detail": f"The {label} is already {run.status}."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data)


class InvocationViewSet(RunViewSet):
    """The generative AI log; POST runs a skill, `cancel` stops a queued or running one."""

    serializer_class = InvocationSerializer
    filterset_class = filtersets.InvocationFilter
    read_capability = "view_logs"
    write_capability = "run"
    lookup_value_regex = UUID_PATTERN
    queryset = Invocation.objects.select_related(
        "skill", "requested_by", "record", "provider", "connection", "alias"
    )

    @extend_schema(
        request=InvocationRequestSerializer,
        parameters=[_WAIT, _IDEMPOTENCY],
        responses={
            **_created(InvocationSerializer, "invocation"),
            422: OpenApiResponse(
                SkillErrorSerializer,
                description="The Idempotency-Key was first used for a different request.",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        """Queue a skill run for a worker; with `?wait`, also watch it for that long."""
        wait = wait_seconds(request)
        key = idempotency_key(request)
        body = InvocationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            submitted = submit_invocation(
                body.validated_data["skill"],
                body.validated_data["input"],
                user=request.user,
                source=Source.API,
                idempotency_key=key,
                record=body.validated_data.get("record"),
            )
        except SkillError as exc:
            return skill_error_response(exc)
        invocation = submitted.invocation
        if wait and invocation.status not in TERMINAL_STATUSES:
            invocation = wait_for(invocation.pk, wait)
        return self.started(invocation, waited=bool(wait), replayed=not submitted.created)

    @extend_schema(request=None, responses=_cancelled(InvocationSerializer))
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a queued or running invocation (its requester or an administrator)."""
        return self.cancelled(self.get_object())


class AgentRunViewSet(RunViewSet):
    """Agent runs with their steps; POST {agent, goal} starts one."""

    serializer_class = AgentRunSerializer
    filterset_class = filtersets.AgentRunFilter
    read_capability = "view_logs"
    write_capability = "run"
    lookup_value_regex = UUID_PATTERN
    queryset = AgentRun.objects.select_related(
        "agent", "requested_by", "provider", "connection"
    ).prefetch_related("steps")

    @extend_schema(
        request=AgentRunRequestSerializer,
        parameters=[_WAIT],
        responses=_created(AgentRunSerializer, "agent run"),
    )
    def create(self, request: Request) -> Response:
        """Queue an agent run for a worker (202); with `?wait`, also watch it for that long."""
        from skills.services.agents import create_agent_run, wait_for_agent_run

        wait = wait_seconds(request)
        body = AgentRunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = create_agent_run(
                body.validated_data["agent"],
                body.validated_data["goal"],
                user=request.user,
                source=Source.API,
            )
        except SkillError as exc:
            return skill_error_response(exc)
        if wait and run.status not in TERMINAL_STATUSES:
            run = wait_for_agent_run(run.pk, wait)
        return self.started(run, waited=bool(wait))

    @extend_schema(request=None, responses=_cancelled(AgentRunSerializer))
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a queued or running agent run (its requester or an administrator)."""
        return self.cancelled(self.get_object())
