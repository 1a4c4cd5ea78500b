"""The write-ahead outbound log (#12): every request's row is in the database before any of
its bytes leave, completed once its outcome is known; a row whose process died in between is
marked `unknown` by the sweep, never lost and never guessed."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx2
import pytest
from django.utils import timezone

from providers.adapters.transport import CapturingTransport
from providers.choices import OutboundState
from providers.outbound import capture as outbound
from providers.outbound.models import OutboundRequest
from skills.choices import InvocationStatus
from skills.models import Invocation
from skills.services import sweeper
from skills.services.invocations import invoke_now
from tests.skills.conftest import World

pytestmark = pytest.mark.django_db

INPUT = {"short_description": "Email down for the whole finance team"}


class ProcessDied(BaseException):
    """Stands for a SIGKILL mid-request: nothing below it runs, no handler catches it."""


class _DiesWhileSending(httpx2.BaseTransport):
    """Records what the log held at the moment the request would leave, then dies."""

    def __init__(self) -> None:
        self.rows_when_sending: list[tuple[str, str]] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.rows_when_sending = list(OutboundRequest.objects.values_list("host", "state"))
        raise ProcessDied


def test_the_row_is_written_before_the_request_leaves() -> None:
    inner = _DiesWhileSending()
    target = outbound.Target(provider_id=None, connection_id=None, route="byok", account="a")
    client = httpx2.Client(transport=CapturingTransport(target, inner))
    with pytest.raises(ProcessDied):
        client.post("https://contoso.openai.azure.com/openai/v1/chat/completions", json={})
    assert inner.rows_when_sending == [("contoso.openai.azure.com", OutboundState.SENDING)]
    # The process "died": nothing completed the row, which still says so.
    assert OutboundRequest.objects.get().state == OutboundState.SENDING


def test_every_request_of_a_run_is_completed(live_world: World, sandbox) -> None:
    sandbox.set_faults("azure_openai", kind="throttle", fail_next=1, retry_after_s=0.01)
    sandbox.clear_requests()
    inv = invoke_now(live_world.skill.key, INPUT)
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    rows = list(inv.outbound_requests)
    assert len(rows) == len(sandbox.requests) == 2
    assert {r.state for r in rows} == {OutboundState.DONE}
    assert [r.status_code for r in rows] == [429, 200]


def _sending(**fields) -> OutboundRequest:
    return OutboundRequest.objects.create(
        purpose="invocation",
        method="POST",
        host="contoso.openai.azure.com",
        path="/p",
        state=OutboundState.SENDING,
        **fields,
    )


def _running(world: World, since: datetime, **fields: object) -> Invocation:
    """A run that started and last beat at `since`."""
    return Invocation.objects.create(
        skill=world.skill,
        status=InvocationStatus.RUNNING,
        started_at=since,
        heartbeat_at=since,
        **fields,
    )


def test_a_taken_over_runs_requests_in_flight_become_unknown(world: World, settings) -> None:
    settings.SKILLS_STALE_AFTER_SECONDS = 5
    long_ago = timezone.now() - timedelta(minutes=5)
    dead = _running(world, long_ago, enqueued_at=long_ago)
    alive = _running(world, timezone.now(), enqueued_at=timezone.now())
    of_dead = _sending(created_at=timezone.now(), invocation_id=dead.pk)
    of_alive = _sending(created_at=timezone.now(), invocation_id=alive.pk)
    sweeper.sweep()
    of_dead.refresh_from_db()
    of_alive.refresh_from_db()
    assert of_dead.state == OutboundState.UNKNOWN
    assert of_alive.state == OutboundState.SENDING


def test_any_row_sending_past_every_timeout_becomes_unknown(db, settings) -> None:
    settings.OUTBOUND_UNKNOWN_AFTER_SECONDS = 900
    old = _sending(created_at=timezone.now() - timedelta(seconds=901))
    recent = _sending(created_at=timezone.now() - timedelta(seconds=60))
    sweeper.sweep()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.state, recent.state) == (OutboundState.UNKNOWN, OutboundState.SENDING)


def test_a_worker_taking_a_run_over_marks_its_requests_in_flight(world: World, settings) -> None:
    """A stale run can be claimed by a worker before the sweep sees it; the claim marks too."""
    from skills.services import lifecycle

    settings.SKILLS_STALE_AFTER_SECONDS = 5
    long_ago = timezone.now() - timedelta(minutes=5)
    dead = _running(world, long_ago, claimed_by="dead-worker")
    in_flight = _sending(created_at=long_ago, invocation_id=dead.pk)
    queued = Invocation.objects.create(skill=world.skill)
    of_queued = _sending(created_at=timezone.now(), invocation_id=queued.pk)

    taken = lifecycle.claim(Invocation, dead.pk, "new-worker")
    assert taken is not None
    assert taken.started_at == long_ago  # when it first started, not now
    in_flight.refresh_from_db()
    assert in_flight.state == OutboundState.UNKNOWN

    fresh = lifecycle.claim(Invocation, queued.pk, "new-worker")
    assert fresh is not None
    assert fresh.started_at > long_ago
    of_queued.refresh_from_db()
    assert of_queued.state == OutboundState.SENDING  # a fresh claim marks nothing
