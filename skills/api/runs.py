"""Running skills and agents over REST, and reading their logs.

POST /invocations/ queues a run (202). `?wait=SECONDS` (0-60) runs it in this process and
answers 200 with the finished invocation (or 202 if it is still running when the wait ends,
e.g. a replayed key whose first run is still going). An `Idempotency-Key` header makes a
retried POST return the first invocation (200) instead of running the skill again.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import NewestFirstCursor, ReadOnlyViewSet
from core.errors import ErrorCode
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
from skills.models.runs import load_outbound_ids
from skills.services.errors import RateLimitExceeded, SkillError
from skills.services.invocations import cancel_invocation, create_invocation, invoke_now, wait_for

MAX_WAIT_SECONDS = 60
IDEMPOTENCY_HEADER = "Idempotency-Key"
UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"

_WAIT = OpenApiParameter(
    "wait",
    int,
    description=f"Seconds (0-{MAX_WAIT_SECONDS}) to wait for the result; 0 returns at once.",
)
_IDEMPOTENCY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    description="Replaying a POST with the same key returns the first run (200).",
)


def wait_seconds(request: Request) -> int:
    raw = request.query_params.get("wait", "0")
    if not raw.isdigit() or int(raw) > MAX_WAIT_SECONDS:
        raise ValidationError(
            {"wait": [f"A whole number of seconds from 0 to {MAX_WAIT_SECONDS}."]}
        )
    return int(raw)


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 200:
        raise ValidationError({IDEMPOTENCY_HEADER: ["At most 200 characters."]})
    return key or None


def skill_error_response(exc: SkillError) -> Response:
    """A run refused before it started: 400 {code, detail}, or 429 for a rate limit."""
    code = status.HTTP_429_TOO_MANY_REQUESTS if isinstance(exc, RateLimitExceeded) else 400
    return Response({"code": exc.code, "detail": exc.message}, status=code)


class RunViewSet(ReadOnlyViewSet):
    """A page of runs reads its outbound request ids in one query, not one per run."""

    pagination_class = NewestFirstCursor

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            load_outbound_ids(page)
        return page


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
            200: InvocationSerializer,
            202: InvocationSerializer,
            400: SkillErrorSerializer,
            429: SkillErrorSerializer,
        },
    )
    def create(self, request: Request) -> Response:
        wait = wait_seconds(request)
        key = idempotency_key(request)
        body = InvocationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        started = timezone.now()
        run = invoke_now if wait else create_invocation
        try:
            invocation = run(
                body.validated_data["skill"],
                body.validated_data["input"],
                user=request.user,
                source=Source.API,
                idempotency_key=key,
                record=body.validated_data.get("record"),
            )
        except SkillError as exc:
            return skill_error_response(exc)
        replayed = invocation.created_at < started
        if wait and invocation.status not in TERMINAL_STATUSES:
            invocation = wait_for(invocation.pk, wait)
        done = invocation.status in TERMINAL_STATUSES
        code = status.HTTP_200_OK if replayed or (wait and done) else status.HTTP_202_ACCEPTED
        return Response(self._fresh(invocation), status=code)

    @extend_schema(request=None, responses={200: InvocationSerializer, 400: SkillErrorSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a queued or running invocation; 400 if it had already finished."""
        invocation = self.get_object()
        if not cancel_invocation(invocation.pk):
            return Response(
                {
                    "code": ErrorCode.FINISHED,
                    "detail": f"The invocation is already {invocation.status}.",
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self._fresh(invocation))

    def _fresh(self, invocation: Invocation) -> dict[str, Any]:
        return self.get_serializer(self.get_queryset().get(pk=invocation.pk)).data


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
        responses={200: AgentRunSerializer, 202: AgentRunSerializer, 400: SkillErrorSerializer},
    )
    def create(self, request: Request) -> Response:
        """Start a run (202); with `?wait` it runs here and answers 200 when it has finished."""
        from skills.services.agents import create_agent_run, run_agent_now

        wait = wait_seconds(request)
        body = AgentRunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        start = run_agent_now if wait else create_agent_run
        try:
            run = start(
                body.validated_data["agent"],
                body.validated_data["goal"],
                user=request.user,
                source=Source.API,
            )
        except SkillError as exc:
            return skill_error_response(exc)
        run = self.get_queryset().get(pk=run.pk)
        code = status.HTTP_200_OK if run.status in TERMINAL_STATUSES else status.HTTP_202_ACCEPTED
        return Response(self.get_serializer(run).data, status=code)

    @extend_schema(request=None, responses={200: AgentRunSerializer, 400: SkillErrorSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a queued or running agent run; 400 if it had already finished."""
        from skills.services.agents import cancel_agent_run

        run = self.get_object()
        if not cancel_agent_run(run.pk):
            return Response(
                {"code": ErrorCode.FINISHED, "detail": f"The agent run is already {run.status}."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=run.pk)).data)
