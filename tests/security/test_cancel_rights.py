"""Only a run's requester, an administrator or a superuser may cancel it.

Operators may read every run in the logs, but another operator's run is not theirs to stop:
the cancel door answers 403 and the run goes on unchanged. The rule is one service function
(`skills.services.run_access.may_cancel`) that every door applies.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from core.roles import Role, ensure_roles
from skills.choices import InvocationStatus
from skills.models import AgentRun, Invocation
from skills.services.agents import create_agent_run
from skills.services.invocations import create_invocation
from skills.services.run_access import may_cancel

pytestmark = pytest.mark.django_db

INPUT = {"short_description": "Email down", "description": "Outlook cannot connect."}


def _invocation(user: Any) -> Invocation:
    return create_invocation("incident_summarization", INPUT, user=user, publish=False)


def _agent_run(user: Any) -> AgentRun:
    return create_agent_run("incident_triage", "Triage INC0010001", user=user, publish=False)


KINDS = [
    pytest.param("/api/v1/invocations/", _invocation, id="invocation"),
    pytest.param("/api/v1/agent-runs/", _agent_run, id="agent-run"),
]


@pytest.fixture
def other_operator(db: None) -> User:
    ensure_roles()
    user = User.objects.create_user(username="olga_operator", password="pw-olga_operator")
    user.groups.add(Group.objects.get(name=Role.OPERATOR))
    return user


def _unchanged(run: Any) -> None:
    run.refresh_from_db()
    assert run.status == InvocationStatus.QUEUED
    assert run.finished_at is None
    assert run.error_code == ""


@pytest.mark.parametrize(("url", "start"), KINDS)
def test_another_operator_may_not_cancel_a_run(
    demo, client_for, operator_user, other_operator, url, start
) -> None:
    run = start(operator_user)
    client = client_for("other_operator")
    assert client.get(f"{url}{run.pk}/").status_code == 200  # may read it in the log
    response = client.post(f"{url}{run.pk}/cancel/")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["detail"]
    _unchanged(run)


@pytest.mark.parametrize(("url", "start"), KINDS)
def test_an_auditor_may_not_cancel_a_run(demo, client_for, operator_user, url, start) -> None:
    run = start(operator_user)
    assert client_for("auditor_user").post(f"{url}{run.pk}/cancel/").status_code == 403
    _unchanged(run)


@pytest.mark.parametrize(("url", "start"), KINDS)
@pytest.mark.parametrize("who", ["operator_user", "admin_user", "superuser"])
def test_the_requester_or_an_administrator_may_cancel_it(
    demo, client_for, operator_user, url, start, who
) -> None:
    run = start(operator_user)
    response = client_for(who).post(f"{url}{run.pk}/cancel/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    run.refresh_from_db()
    assert run.status == InvocationStatus.CANCELLED


@pytest.mark.parametrize(("url", "start"), KINDS)
def test_a_run_nobody_requested_is_an_administrators_to_cancel(
    demo, client_for, url, start
) -> None:
    run = start(None)  # a command's or a schedule's run
    assert client_for("operator_user").post(f"{url}{run.pk}/cancel/").status_code == 403
    _unchanged(run)
    assert client_for("admin_user").post(f"{url}{run.pk}/cancel/").status_code == 200


def test_the_rule_follows_the_role_not_only_the_name(demo, operator_user) -> None:
    run = _invocation(operator_user)
    assert may_cancel(operator_user, run)
    operator_user.groups.set([Group.objects.get(name=Role.AUDITOR)])
    demoted = User.objects.get(pk=operator_user.pk)  # roles are cached per user object
    assert not may_cancel(demoted, run)
    assert not may_cancel(None, run)
