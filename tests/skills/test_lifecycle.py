"""Invocation lifecycle without the network: validation, publish-on-commit, idempotency,
claims, cancellation and the sweeper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from skills.choices import InvocationStatus, Source
from skills.models import Invocation
from skills.services import invocations, lifecycle, sweeper
from skills.services.errors import InputError, ResolutionError
from skills.services.invocations import cancel_invocation, create_invocation, run_invocation
from tests.skills.conftest import World

INPUT = {"short_description": "Email down"}


def test_it_writes_the_row_and_publishes_only_after_commit(
    world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        inv = create_invocation(world.skill.key, INPUT, source=Source.API)
        assert Invocation.objects.filter(pk=inv.pk, status=InvocationStatus.QUEUED).exists()
    assert len(callbacks) == 1
    assert inv.enqueue_count == 1
    assert inv.provider == world.azure


def test_it_writes_nothing_for_invalid_input(
    world: World, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InputError):
        create_invocation(world.skill.key, {"nope": 1})
    assert not callbacks
    assert not Invocation.objects.exists()


def test_it_refuses_an_unknown_or_inactive_skill(world: World) -> None:
    with pytest.raises(InputError):
        create_invocation("no_such_skill", INPUT)
    world.skill.is_active = False
    world.skill.save()
    with pytest.raises(ResolutionError):
        create_invocation(world.skill.key, INPUT)


def test_it_reuses_the_first_invocation_for_the_same_idempotency_key(
    world: World, operator_user, admin_user, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        first = create_invocation(world.skill.key, INPUT, user=operator_user, idempotency_key="k1")
        again = create_invocation(world.skill.key, INPUT, user=operator_user, idempotency_key="k1")
        other = create_invocation(world.skill.key, INPUT, user=admin_user, idempotency_key="k1")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert len(callbacks) == 2
    assert Invocation.objects.count() == 2


def test_it_claims_a_queued_invocation_exactly_once(world: World) -> None:
    inv = create_invocation(world.skill.key, INPUT, publish=False)
    assert lifecycle.claim(Invocation, inv.pk)
    assert lifecycle.claim(Invocation, inv.pk) is None


def test_it_takes_over_a_running_invocation_whose_worker_stopped_beating(
    world: World, settings
) -> None:
    settings.SKILLS_STALE_AFTER_SECONDS = 30
    inv = create_invocation(world.skill.key, INPUT, publish=False)
    assert lifecycle.claim(Invocation, inv.pk)
    Invocation.objects.filter(pk=inv.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=1))
    assert lifecycle.claim(Invocation, inv.pk)


def test_it_does_nothing_when_a_finished_invocation_is_delivered_again(world: World) -> None:
    inv = create_invocation(world.skill.key, INPUT, publish=False)
    Invocation.objects.filter(pk=inv.pk).update(status=InvocationStatus.SUCCEEDED, output="done")
    assert run_invocation(inv.pk) is None
    inv.refresh_from_db()
    assert (inv.status, inv.output, inv.attempts) == (InvocationStatus.SUCCEEDED, "done", 0)


def test_it_ignores_an_unknown_or_malformed_id(db: None) -> None:
    assert run_invocation("6d1f7a52-0000-4000-8000-000000000000") is None
    assert run_invocation("not-a-uuid") is None


def test_it_fails_a_broken_link_with_the_trace_and_no_traceback(world: World) -> None:
    world.mapping.delete()
    inv = invocations.invoke_now(world.skill.key, INPUT)
    assert inv.status == InvocationStatus.FAILED
    assert inv.error_code == "no_alias_mapping"
    assert "map alias gpt_large on Model aliases" in inv.error_message
    assert inv.resolution_trace[-1]["step"] == "error"
    assert "Traceback" not in inv.error_message


def test_it_cancels_a_queued_invocation_so_no_worker_runs_it(world: World) -> None:
    inv = create_invocation(world.skill.key, INPUT, publish=False)
    assert cancel_invocation(inv.pk)
    assert run_invocation(inv.pk) is None
    inv.refresh_from_db()
    assert inv.status == InvocationStatus.CANCELLED
    assert not cancel_invocation(inv.pk)


def test_it_republishes_stuck_invocations_and_fails_them_after_too_many(
    world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SKILLS_REQUEUE_AFTER_SECONDS = 60
    settings.SKILLS_STALE_AFTER_SECONDS = 60
    settings.SKILLS_MAX_ENQUEUES = 3
    old = timezone.now() - timedelta(minutes=5)
    lost = create_invocation(world.skill.key, INPUT, publish=False)
    dead = create_invocation(world.skill.key, INPUT, publish=False)
    fresh = create_invocation(world.skill.key, INPUT, publish=False)
    hopeless = create_invocation(world.skill.key, INPUT, publish=False)
    Invocation.objects.filter(pk=lost.pk).update(enqueued_at=old, enqueue_count=1)
    Invocation.objects.filter(pk=dead.pk).update(
        status=InvocationStatus.RUNNING, heartbeat_at=old, enqueued_at=old, enqueue_count=1
    )
    Invocation.objects.filter(pk=fresh.pk).update(enqueued_at=timezone.now(), enqueue_count=1)
    Invocation.objects.filter(pk=hopeless.pk).update(enqueued_at=old, enqueue_count=3)
    with django_capture_on_commit_callbacks() as callbacks:
        report = sweeper.sweep()
    assert (report.requeued, report.failed) == (2, 1)
    assert len(callbacks) == 2
    counts = dict(Invocation.objects.values_list("pk", "enqueue_count"))
    assert counts[lost.pk] == 2
    assert counts[dead.pk] == 2
    assert counts[fresh.pk] == 1
    hopeless.refresh_from_db()
    assert (hopeless.status, hopeless.error_code) == (InvocationStatus.FAILED, "abandoned")
    with django_capture_on_commit_callbacks() as callbacks:
        assert sweeper.sweep().requeued == 0  # just re-published: not stuck yet
