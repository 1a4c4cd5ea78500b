"""The one lifecycle both kinds of run share (skills.services.lifecycle), held for each kind:
claim once, take over only a silent worker's run, finish only under one's own claim, stop
when cancelled or taken over, beat only one's own rows, and recover through the sweep."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from skills.choices import InvocationStatus
from skills.models import Agent, AgentRun, Invocation
from skills.models.runs import Run
from skills.services import heartbeat, lifecycle, sweeper
from tests.api.eager import eager_tasks
from tests.skills.conftest import World

__all__ = ["eager_tasks"]

KINDS = [Invocation, AgentRun]
Make = Callable[[], Run]


@pytest.fixture(params=KINDS, ids=lambda model: model.__name__)
def make(request: pytest.FixtureRequest, world: World) -> Make:
    """A factory of queued rows of one kind (written as their services write them)."""
    model = request.param
    if model is Invocation:
        return lambda: _insert(Invocation(skill=world.skill, input={"short_description": "x"}))
    agent = Agent.objects.create(key="lc", name="Lifecycle", role="r", instructions="i")
    return lambda: _insert(AgentRun(agent=agent, goal="g"))


def _insert(run: Run) -> Run:
    lifecycle.insert(run, publish=False)
    return run


def _row(run: Run) -> Run:
    return type(run)._default_manager.get(pk=run.pk)


def _silent_for(run: Run, seconds: float) -> None:
    type(run)._default_manager.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=seconds)
    )


def test_it_claims_a_queued_run_exactly_once_and_returns_the_claimed_row(make: Make) -> None:
    run = make()
    claimed = lifecycle.claim(type(run), run.pk, "tok-1")
    assert claimed is not None
    assert type(claimed) is type(run)
    assert (claimed.pk, claimed.status, claimed.claimed_by) == (
        run.pk,
        InvocationStatus.RUNNING,
        "tok-1",
    )
    assert claimed.started_at == claimed.heartbeat_at is not None
    assert lifecycle.claim(type(run), run.pk, "tok-2") is None
    assert _row(run).claimed_by == "tok-1"


def test_it_ignores_a_malformed_or_unknown_id(make: Make) -> None:
    model = type(make())
    assert lifecycle.claim(model, "not-a-uuid") is None
    assert lifecycle.claim(model, "6d1f7a52-0000-4000-8000-000000000000") is None


def test_it_claims_nothing_finished_or_cancelled(make: Make) -> None:
    done, cancelled = make(), make()
    type(done)._default_manager.filter(pk=done.pk).update(status=InvocationStatus.SUCCEEDED)
    assert lifecycle.cancel(type(cancelled), cancelled.pk)
    assert lifecycle.claim(type(done), done.pk) is None
    assert lifecycle.claim(type(cancelled), cancelled.pk) is None
    assert _row(done).status == InvocationStatus.SUCCEEDED
    assert _row(cancelled).status == InvocationStatus.CANCELLED


def test_it_takes_over_only_a_run_silent_past_its_kinds_deadline(make: Make, settings) -> None:
    settings.SKILLS_STALE_AFTER_SECONDS = 30
    settings.SKILLS_DEADLINE_SECONDS = 60
    run = make()
    assert lifecycle.claim(type(run), run.pk, "first")
    assert lifecycle.claim(type(run), run.pk, "second") is None  # beating just now
    _silent_for(run, 45)
    # An invocation is stale after 30 s; an agent run gets the call deadline on top (90 s).
    taken = lifecycle.claim(type(run), run.pk, "second")
    assert (taken is not None) is (type(run) is Invocation)
    _silent_for(run, 120)
    assert lifecycle.claim(type(run), run.pk, "third")
    assert _row(run).claimed_by == "third"


def test_only_the_claiming_token_may_finish(make: Make) -> None:
    run = make()
    claimed = lifecycle.claim(type(run), run.pk, "mine")
    assert claimed is not None
    foreign = _row(run)
    assert not lifecycle.finish(foreign, "theirs", InvocationStatus.SUCCEEDED, {"output": "bad"})
    row = _row(run)
    assert (row.status, row.output, row.finished_at) == (InvocationStatus.RUNNING, "", None)
    assert foreign.status == InvocationStatus.RUNNING  # read back: nothing was written

    assert lifecycle.finish(claimed, "mine", InvocationStatus.SUCCEEDED, {"output": "good"})
    row = _row(run)
    assert (row.status, row.output, row.error_message) == (InvocationStatus.SUCCEEDED, "good", "")
    assert row.finished_at is not None
    # The instance carries what was written, without a read.
    assert (claimed.status, claimed.output, claimed.finished_at) == (
        row.status,
        row.output,
        row.finished_at,
    )
    assert not lifecycle.finish(claimed, "mine", InvocationStatus.FAILED, {"output": "again"})
    assert _row(run).output == "good"


def test_a_run_taken_over_cannot_be_finished_by_its_first_worker(make: Make) -> None:
    run = make()
    first = lifecycle.claim(type(run), run.pk, "first")
    _silent_for(run, 10**6)
    second = lifecycle.claim(type(run), run.pk, "second")
    assert first is not None
    assert second is not None
    assert not lifecycle.still_owned(first, "first")
    assert not lifecycle.finish(first, "first", InvocationStatus.FAILED, {"error_code": "late"})
    assert lifecycle.finish(second, "second", InvocationStatus.SUCCEEDED, {"output": "ok"})
    row = _row(run)
    assert (row.status, row.output, row.error_code) == (InvocationStatus.SUCCEEDED, "ok", "")


def test_a_cancelled_run_stops_and_keeps_no_result(make: Make) -> None:
    run = make()
    claimed = lifecycle.claim(type(run), run.pk, "tok")
    assert claimed is not None
    assert lifecycle.still_owned(claimed, "tok")
    assert lifecycle.cancel(type(run), run.pk)
    assert not lifecycle.still_owned(claimed, "tok")
    assert not lifecycle.finish(claimed, "tok", InvocationStatus.SUCCEEDED, {"output": "late"})
    assert (claimed.status, claimed.output) == (InvocationStatus.CANCELLED, "")
    assert not lifecycle.cancel(type(run), run.pk)  # already finished


def test_it_cancels_queued_and_running_runs_but_not_finished_ones(make: Make) -> None:
    queued, running, finished = make(), make(), make()
    assert lifecycle.claim(type(running), running.pk, "tok")
    claimed = lifecycle.claim(type(finished), finished.pk, "tok")
    assert claimed is not None
    assert lifecycle.finish(claimed, "tok", InvocationStatus.SUCCEEDED, {"output": "done"})
    assert lifecycle.cancel(type(queued), queued.pk)
    assert lifecycle.cancel(type(running), running.pk)
    assert not lifecycle.cancel(type(finished), finished.pk)
    assert [_row(r).status for r in (queued, running, finished)] == [
        InvocationStatus.CANCELLED,
        InvocationStatus.CANCELLED,
        InvocationStatus.SUCCEEDED,
    ]
    assert _row(queued).error_code == "cancelled"
    assert _row(finished).output == "done"


def test_it_finishes_only_with_an_outcome_and_bounds_the_message(make: Make) -> None:
    run = make()
    claimed = lifecycle.claim(type(run), run.pk, "tok")
    assert claimed is not None
    with pytest.raises(ValueError, match="succeeded or failed"):
        lifecycle.finish(claimed, "tok", InvocationStatus.CANCELLED, {})
    assert _row(run).status == InvocationStatus.RUNNING
    fields = {"error_code": "x", "error_message": "e" * 5000}
    assert lifecycle.finish(claimed, "tok", InvocationStatus.FAILED, fields)
    assert len(_row(run).error_message) == lifecycle.ERROR_MESSAGE_MAX


def test_still_owned_beats_only_the_owners_row(make: Make) -> None:
    run = make()
    claimed = lifecycle.claim(type(run), run.pk, "tok")
    assert claimed is not None
    _silent_for(run, 300)
    assert not lifecycle.still_owned(claimed, "other")
    assert _row(run).heartbeat_at < timezone.now() - timedelta(seconds=200)
    assert lifecycle.still_owned(claimed, "tok")
    assert _row(run).heartbeat_at > timezone.now() - timedelta(seconds=5)


def test_the_heartbeat_keeps_alive_only_rows_running_under_their_claims(world: World) -> None:
    agent = Agent.objects.create(key="hb", name="Heartbeat", role="r", instructions="i")
    runs: list[Run] = [
        Invocation(skill=world.skill),
        Invocation(skill=world.skill),
        AgentRun(agent=agent, goal="g"),
        AgentRun(agent=agent, goal="g"),
    ]
    for run in runs:
        lifecycle.insert(run, publish=False)
        assert lifecycle.claim(type(run), run.pk, f"tok-{run.pk}")
        _silent_for(run, 300)
    mine_inv, cancelled_inv, mine_run, foreign_run = runs
    assert lifecycle.cancel(Invocation, cancelled_inv.pk)
    live: heartbeat.Live = {
        Invocation: {
            mine_inv.pk: f"tok-{mine_inv.pk}",
            cancelled_inv.pk: f"tok-{cancelled_inv.pk}",
        },
        AgentRun: {mine_run.pk: f"tok-{mine_run.pk}", foreign_run.pk: "not-its-token"},
    }
    assert heartbeat.beat(live) == 2
    recent = timezone.now() - timedelta(seconds=5)
    assert [_row(r).heartbeat_at > recent for r in runs] == [True, False, True, False]


@pytest.mark.parametrize("model", KINDS, ids=lambda model: model.__name__)
def test_the_heartbeat_keeps_a_run_registered_only_while_it_runs(model: type[Run]) -> None:
    beats, run_id = heartbeat.Heartbeat(), uuid.uuid4()
    with beats.beating(model, run_id, "tok"):
        assert beats._live == {model: {run_id: "tok"}}
    assert beats._live == {model: {}}


def test_the_heartbeat_registers_nothing_inside_a_transaction(db: None) -> None:
    """There the claim is invisible to other connections: a beat could only block."""
    beats = heartbeat.Heartbeat()
    with beats.beating(Invocation, uuid.uuid4(), "tok"):
        assert beats._live == {}


def test_each_kind_is_published_to_its_own_task(world: World, eager_tasks: None) -> None:
    world.mapping.delete()  # both kinds then fail fast at resolution, with no network
    agent = Agent.objects.create(key="pub", name="Publish", role="r", instructions="i")
    runs: list[Run] = [Invocation(skill=world.skill, input={}), AgentRun(agent=agent, goal="g")]
    for run in runs:
        lifecycle.insert(run, publish=False)
        assert lifecycle.publish(type(run), run.pk)
        row = _row(run)
        # Sent to the other kind's task, the claim would find no such row: it would stay queued.
        assert row.status == InvocationStatus.FAILED, (type(run).__name__, row.status)
        assert row.claimed_by


def test_the_sweep_republishes_stuck_runs_of_every_kind(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SKILLS_REQUEUE_AFTER_SECONDS = 60
    settings.SKILLS_STALE_AFTER_SECONDS = 60
    settings.SKILLS_DEADLINE_SECONDS = 60
    agent = Agent.objects.create(key="sw", name="Sweep", role="r", instructions="i")
    old = timezone.now() - timedelta(minutes=5)
    runs: list[Run] = [Invocation(skill=world.skill), AgentRun(agent=agent, goal="g")]
    for run in runs:
        lifecycle.insert(run, publish=False)
        assert lifecycle.claim(type(run), run.pk, "dead-worker")
        type(run)._default_manager.filter(pk=run.pk).update(heartbeat_at=old, enqueued_at=old)
    with django_capture_on_commit_callbacks() as callbacks:
        report = sweeper.sweep()
    assert (report.requeued, report.failed) == (2, 0)
    assert len(callbacks) == 2
    assert [_row(r).enqueue_count for r in runs] == [1, 1]
    assert sweeper.sweep().requeued == 0  # just re-published: not stuck yet
