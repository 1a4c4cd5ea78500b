"""The unit of work: what waits for which commit, and what survives a failed one."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction

from core import unitofwork
from tests.commits import counting_commits

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


def _names() -> list[str]:
    return sorted(User.objects.values_list("username", flat=True))


def test_a_held_transaction_and_deferred_writes_commit_with_the_next_write() -> None:
    with counting_commits() as counted, unitofwork.unit_of_work() as unit:
        unit.hold()
        User.objects.create(username="held")
        unitofwork.defer(lambda: User.objects.create(username="deferred"))
        assert unitofwork.current() is unit
        assert not unitofwork.in_callers_transaction()  # only the unit's own transaction
        unitofwork.commit(lambda: User.objects.create(username="written"))
        assert not unit.holding
    assert counted.commits == 1
    assert _names() == ["deferred", "held", "written"]


def test_without_a_unit_writes_run_at_once_in_autocommit() -> None:
    assert unitofwork.current() is None
    with counting_commits() as counted:
        unitofwork.defer(lambda: User.objects.create(username="now"))
        assert _names() == ["now"]
        unitofwork.commit(lambda: User.objects.create(username="also"))
    assert counted.commits == 2


def test_a_failed_commit_rolls_everything_back_and_keeps_the_deferred_writes() -> None:
    with unitofwork.unit_of_work() as unit:
        unit.hold()
        User.objects.create(username="claim")
        unit.defer(lambda: User.objects.create(username="outcome"))

        def broken() -> None:
            raise OperationalError("the server went away")

        with pytest.raises(OperationalError):
            unit.commit(broken)
        assert _names() == []  # the held write went with the failed transaction
        unit.commit(lambda: User.objects.create(username="result"))
    assert _names() == ["outcome", "result"]


def test_a_durable_commit_retries_while_the_database_is_unavailable() -> None:
    failures = iter([OperationalError("down"), OperationalError("still down")])

    def write() -> str:
        error = next(failures, None)
        if error is not None:
            raise error
        User.objects.create(username="kept")
        return "ok"

    assert unitofwork.commit_durably(write, retry_for=5) == "ok"
    assert _names() == ["kept"]


def test_a_durable_commit_gives_up_after_its_bound_and_other_errors_are_not_retried() -> None:
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise OperationalError("down")

    with pytest.raises(OperationalError):
        unitofwork.commit_durably(down, retry_for=0.3)
    assert 2 <= len(calls) <= 5
    calls.clear()

    def wrong() -> None:
        calls.append(1)
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        unitofwork.commit_durably(wrong, retry_for=5)
    assert calls == [1]


def test_a_block_that_raises_rolls_back_what_its_unit_holds() -> None:
    def crashing_run() -> None:
        with unitofwork.unit_of_work() as unit:
            unit.hold()
            User.objects.create(username="claimed")
            unit.defer(lambda: User.objects.create(username="never"))
            raise RuntimeError("the run crashed before its first write")

    with pytest.raises(RuntimeError, match="crashed"):
        crashing_run()
    assert _names() == []
    assert not connection.in_atomic_block


def test_a_unit_started_inside_another_commits_the_outer_hold_first() -> None:
    with unitofwork.unit_of_work() as outer:
        outer.hold()
        User.objects.create(username="outer-claim")
        with unitofwork.unit_of_work() as inner:
            inner.hold()
            User.objects.create(username="inner-claim")
            inner.commit(lambda: None)
            # The inner commit is a real one, not a savepoint inside the outer transaction.
            assert not connection.in_atomic_block
        assert unitofwork.current() is outer
    assert _names() == ["inner-claim", "outer-claim"]


def test_it_refuses_to_commit_its_hold_under_a_transaction_opened_later() -> None:
    with unitofwork.unit_of_work() as unit:
        unit.hold()
        with transaction.atomic():
            assert unitofwork.in_callers_transaction()
            with pytest.raises(transaction.TransactionManagementError):
                unit.commit(lambda: None)
