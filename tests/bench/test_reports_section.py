"""The reports bench section's fill at a small size, on the test database: the rows it makes
roll up into totals that match them, and the pages it times answer."""

from __future__ import annotations

import pytest

from bench import reports
from providers.models import HealthCheck
from sandbox.demo import seed_demo
from skills.models import Invocation
from skills.services.usage import usage_rows

# Transactional: on PostgreSQL the fill runs VACUUM, which refuses a transaction block.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_fill_rolls_up_into_matching_totals_and_the_pages_answer(client, superuser) -> None:
    seed_demo("http://127.0.0.1:9")
    assert reports._fill_invocations(700) is not None
    assert reports._fill_invocations(700) is None  # a rerun keeps the rows
    assert not Invocation.objects.filter(usage_pending=True).exists()
    [total] = usage_rows(())
    assert total["invocations"] == Invocation.objects.count() == 700
    assert total["failures"] == 700 // 50
    checks = reports._fill_health_checks()
    assert HealthCheck.objects.count() == checks > 0
    client.force_login(superuser)
    for url in ("/overview/?period=30d", "/usage/?group=skill&period=30d", "/health/"):
        assert client.get(url).status_code == 200, url
