"""The scheduled health checks: one check (and one history row) per active connection."""

from __future__ import annotations

from providers.choices import HealthStatus
from providers.models import HealthCheck
from providers.tasks import run_health_checks_task
from tests.api.eager import eager_tasks
from tests.skills.conftest import World

__all__ = ["eager_tasks"]


def test_it_checks_every_active_connection(live_world: World, eager_tasks: None) -> None:
    live_world.gemini_conn.is_active = False
    live_world.gemini_conn.save()
    run_health_checks_task()
    checked = set(HealthCheck.objects.values_list("connection__name", flat=True))
    assert checked == {"contoso-azure", "platform-now"}
    live_world.azure_conn.refresh_from_db()
    assert live_world.azure_conn.health_status == HealthStatus.HEALTHY
