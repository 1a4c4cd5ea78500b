"""A connection is health-checked as soon as it is created or changed, not at the next round."""

from __future__ import annotations

import pytest

from providers.choices import HealthStatus
from providers.models import Connection, HealthCheck
from tests.api.eager import eager_tasks  # noqa: F401 - fixture
from tests.providers.modes import BY_ID

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def test_it_checks_a_new_connection_once_it_is_saved(
    sandbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        connection = BY_ID["azure_deployments"].connection(sandbox.url)
    check = HealthCheck.objects.get(connection=connection)
    assert (check.kind, check.ok) == ("health", True)
    connection.refresh_from_db()
    assert connection.health_status == HealthStatus.HEALTHY
    assert connection.last_checked_at is not None


def test_it_checks_a_changed_key_and_finds_it_refused(
    sandbox, django_capture_on_commit_callbacks
) -> None:
    connection = BY_ID["gemini_api"].connection(sandbox.url)
    assert not HealthCheck.objects.filter(connection=connection).exists()  # not committed
    connection.set_secrets({"api_key": "wrong-key-0000"})
    with django_capture_on_commit_callbacks(execute=True):
        connection.save()
    check = HealthCheck.objects.get(connection=connection)
    assert (check.ok, check.diagnosis) == (False, "auth")
    assert Connection.objects.get(pk=connection.pk).health_status == HealthStatus.DEGRADED


def test_it_checks_nothing_when_a_connection_is_deactivated(
    sandbox, django_capture_on_commit_callbacks
) -> None:
    connection = BY_ID["gemini_api"].connection(sandbox.url)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        connection.deactivate()
    assert callbacks == []
    assert not HealthCheck.objects.exists()


def test_it_checks_nothing_when_the_save_rolls_back(sandbox) -> None:
    """Inside pytest-django's transaction nothing commits: the check is never published."""
    connection = BY_ID["gemini_api"].connection(sandbox.url)
    connection.description = "renamed"
    connection.save()
    assert not HealthCheck.objects.filter(connection=connection).exists()
