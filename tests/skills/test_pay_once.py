"""A database that fails around a provider call loses nothing and pays for nothing twice.

Real faults, on PostgreSQL: the run's own database backend is terminated
(`pg_terminate_backend`, as an administrator or a failover does) while the provider is
answering, so the next write on its connection fails as it would in production.
"""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection

from providers.choices import OutboundState
from providers.outbound.models import OutboundRequest
from sandbox.content import prompt_digest
from skills.choices import InvocationStatus
from skills.models import Invocation
from skills.services.invocations import invoke_now
from skills.services.rendering import render
from tests.skills.conftest import World

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="terminates a PostgreSQL backend"),
]

INPUT = {"short_description": "Printer on floor 3 is jammed"}


def _received(sandbox, world: World, input: dict) -> list[dict]:
    """The requests the sandbox received with this input's prompt (a run of an earlier
    test still winding down in another thread may send its own meanwhile)."""
    ours = prompt_digest(render(world.variant.template, input))
    return [r for r in sandbox.requests if r.get("prompt_digest") == ours]


def _terminate_later(pid: int, after: float) -> tuple[threading.Thread, list[bool]]:
    """Terminate backend `pid` from a connection of its own, `after` seconds from now."""
    params = connection.get_connection_params()
    done: list[bool] = []

    def terminate() -> None:
        with psycopg.connect(**params, autocommit=True) as admin:
            row = admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()
            done.append(bool(row and row[0]))

    timer = threading.Timer(after, terminate)
    timer.start()
    return timer, done


@pytest.fixture
def slow_world(live_world: World, sandbox, settings) -> World:
    settings.SKILLS_RESOLUTION_CACHE_SECONDS = 60
    invoke_now(live_world.skill.key, INPUT)  # the SDK imported and the configuration cached
    sandbox.clear_requests()
    return live_world


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_an_answer_received_while_the_database_connection_died_is_kept_and_recorded(
    slow_world: World, sandbox
) -> None:
    sandbox.set_faults("azure_openai", latency_ms=700)
    timer, terminated = _terminate_later(_backend_pid(), 0.3)
    inv = invoke_now(slow_world.skill.key, INPUT)
    timer.join()
    assert terminated == [True], "the run's connection was not there to terminate"
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    stored = Invocation.objects.get(pk=inv.pk)
    assert (stored.status, stored.attempts, stored.output) == (
        InvocationStatus.SUCCEEDED,
        1,
        inv.output,
    )
    # Paid once: the provider saw one request, and the log holds it with its outcome.
    assert len(_received(sandbox, slow_world, INPUT)) == 1
    rows = OutboundRequest.objects.filter(invocation_id=inv.pk)
    assert [(r.attempt, r.status_code, r.state) for r in rows] == [(1, 200, OutboundState.DONE)]


def test_a_request_whose_row_cannot_be_written_is_not_sent_and_the_run_goes_back_to_the_queue(
    slow_world: World, sandbox, settings
) -> None:
    """Attempt 1 fails (500) while the connection is cut; the row of attempt 2 cannot be
    written, so attempt 2 is not sent and the run is queued again for another delivery."""
    settings.SKILLS_BACKOFF_BASE = 0.001
    sandbox.set_faults("azure_openai", kind="server_error", fail_next=1, latency_ms=700)
    timer, terminated = _terminate_later(_backend_pid(), 0.3)
    inv = invoke_now(slow_world.skill.key, INPUT)
    timer.join()
    assert terminated == [True]
    stored = Invocation.objects.get(pk=inv.pk)
    assert (stored.status, stored.claimed_by, stored.enqueue_count) == (
        InvocationStatus.QUEUED,
        "",
        1,
    )
    assert len(_received(sandbox, slow_world, INPUT)) == 1
    rows = OutboundRequest.objects.filter(invocation_id=inv.pk)
    # Attempt 1's outcome was kept and written with the release; attempt 2 left no row.
    assert [(r.attempt, r.status_code, r.state) for r in rows] == [(1, 500, OutboundState.DONE)]
