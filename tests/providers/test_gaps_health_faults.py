"""Health checks failed on purpose through sandbox faults on the cheap calls they make."""

from __future__ import annotations

import pytest

from providers import services
from providers.outbound.models import OutboundRequest
from tests.providers.modes import BY_ID

pytestmark = pytest.mark.django_db

CASES = [
    # mode, fault kind, diagnosis kind, advice, the operation the health check calls
    ("bedrock_converse", "throttle", "throttled", "throttling requests", "CountTokens"),
    ("bedrock_converse", "server_error", "server", "server error", "CountTokens"),
    ("gemini_api", "throttle", "throttled", "throttling requests", "countTokens"),
    ("vertex_express", "server_error", "server", "server error", "countTokens"),
    ("generic_llm", "server_error", "server", "server error", "models.list"),
    ("now_llm", "malformed", "malformed", "not this provider's protocol", "models.list"),
]


@pytest.mark.parametrize(("mode_id", "fault", "kind", "advice", "operation"), CASES)
def test_it_diagnoses_a_health_check_failed_by_a_fault(
    sandbox, mode_id: str, fault: str, kind: str, advice: str, operation: str
) -> None:
    mode = BY_ID[mode_id]
    connection = mode.connection(sandbox.url)
    sandbox.set_faults(mode.fault_provider, kind=fault, fail_next=1)
    check = services.run_health_check(connection)
    assert (check.ok, check.diagnosis) == (False, kind)
    assert advice in check.message
    assert connection.health_status == "degraded"
    faulted = [r for r in sandbox.requests if r["fault"] == fault]
    assert faulted[-1]["operation"] == operation
    row = OutboundRequest.objects.get(connection=connection, purpose="health_check")
    assert row.status_code == (200 if fault == "malformed" else faulted[-1]["status"])

    recovered = services.run_health_check(connection)
    assert recovered.ok, recovered.message
    assert connection.health_status == "healthy"
