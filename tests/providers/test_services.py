"""Connection tests, health checks and `check_providers`: diagnoses an administrator can act on."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from providers import services
from providers.models import Connection, HealthCheck
from providers.outbound.models import OutboundRequest
from tests.providers.modes import BAD_SECRETS, BY_ID, MODES, Mode

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_passes_a_working_connection(sandbox, admin_user, mode: Mode) -> None:
    connection = mode.connection(sandbox.url)
    diagnosis = services.test_connection(connection, user=admin_user, model=mode.chat_model)
    assert diagnosis.ok, diagnosis.message
    check = HealthCheck.objects.get(connection=connection)
    assert (check.kind, check.ok, check.triggered_by) == ("test", True, admin_user)
    assert OutboundRequest.objects.filter(connection=connection, purpose="connection_test").exists()


@pytest.mark.parametrize("mode_id", sorted(BAD_SECRETS))
def test_it_diagnoses_a_bad_key_without_quoting_it(sandbox, mode_id: str) -> None:
    mode = BY_ID[mode_id]
    connection = mode.connection(sandbox.url, secrets=BAD_SECRETS[mode_id])
    diagnosis = services.test_connection(connection, model=mode.chat_model)
    assert not diagnosis.ok
    assert diagnosis.kind == "auth"
    assert diagnosis.message.startswith("The credentials were refused")
    assert "Provider said:" in diagnosis.message
    for value in BAD_SECRETS[mode_id].values():
        assert value not in diagnosis.message


def test_it_diagnoses_an_unknown_deployment(sandbox) -> None:
    connection = BY_ID["azure_deployments"].connection(sandbox.url)
    diagnosis = services.test_connection(connection, model="missing-deployment")
    assert diagnosis.kind == "not_found"
    assert "deployment was not found" in diagnosis.message
    assert "DeploymentNotFound" in diagnosis.message or "does not exist" in diagnosis.message


def test_it_proves_an_azure_key_without_a_deployment(sandbox) -> None:
    diagnosis = services.test_connection(BY_ID["azure_deployments"].connection(sandbox.url))
    assert diagnosis.ok
    assert "accepted the credentials" in diagnosis.message


def test_it_diagnoses_a_vertex_project_it_cannot_use(sandbox) -> None:
    diagnosis = services.test_connection(
        BY_ID["vertex_service_account"].connection(
            sandbox.url, name="other-project", project="no-such-project"
        ),
        model="gemini-2.5-flash",
    )
    assert not diagnosis.ok
    assert diagnosis.kind in {"permission", "not_found", "auth"}
    assert "Provider said" in diagnosis.message


def test_it_diagnoses_an_unreachable_endpoint(db) -> None:
    connection = BY_ID["generic_llm"].connection("http://127.0.0.1:9")
    diagnosis = services.test_connection(connection)
    assert diagnosis.kind == "network"
    assert diagnosis.message.startswith("The endpoint is unreachable")


def test_it_diagnoses_a_timeout(sandbox) -> None:
    mode = BY_ID["azure_deployments"]
    connection = mode.connection(sandbox.url, timeout_seconds=1)
    sandbox.set_faults(mode.fault_provider, kind="hang", fail_next=1, hang_s=3)
    diagnosis = services.test_connection(connection, model=mode.chat_model)
    assert diagnosis.kind == "timeout"
    assert "did not answer in time" in diagnosis.message


def test_it_turns_an_undecryptable_secret_into_a_config_diagnosis(sandbox, settings) -> None:
    connection = BY_ID["azure_deployments"].connection(sandbox.url)
    settings.BYOK_ENCRYPTION_KEYS = ["c2Vjb25kLWtleS0wMDAwMDAwMDAwMDAwMDAwMDAwMDA="]
    reloaded = Connection.objects.select_related("provider").get(pk=connection.pk)
    diagnosis = services.test_connection(reloaded)
    assert not diagnosis.ok
    assert diagnosis.kind == "config"
    assert "cannot be decrypted" in diagnosis.message


def test_it_moves_health_from_degraded_to_down_and_back(sandbox) -> None:
    mode = BY_ID["azure_deployments"]
    # A resource path naming the deployment: the health check is a 1-token completion on it.
    connection = mode.connection(sandbox.url, resource_path="/openai/deployments/gpt4o-prod")
    sandbox.set_faults(mode.fault_provider, kind="server_error", fail_next=3)
    statuses = [
        services.run_health_check(connection) and connection.health_status for _ in range(3)
    ]
    assert statuses == ["degraded", "degraded", "down"]
    services.run_health_check(connection)
    connection.refresh_from_db()
    assert (connection.health_status, connection.consecutive_failures) == ("healthy", 0)
    assert connection.last_checked_at is not None
    assert HealthCheck.objects.filter(connection=connection, kind="health").count() == 4
    assert (
        OutboundRequest.objects.filter(connection=connection, purpose="health_check").count() == 4
    )


def test_it_checks_every_active_connection_from_the_command(sandbox, capsys) -> None:
    BY_ID["generic_llm"].connection(sandbox.url, name="good-llm")
    BY_ID["gemini_api"].connection(
        sandbox.url, name="bad-gemini", secrets={"api_key": "wrong-key-123456789"}
    )
    BY_ID["azure_deployments"].connection(sandbox.url, name="idle-azure", is_active=False)
    with pytest.raises(CommandError, match="1 of 2 connection"):
        call_command("check_providers")
    out = capsys.readouterr().out
    assert "ok   good-llm (generic_llm)" in out
    assert "FAIL bad-gemini (google_gemini)" in out
    assert "idle-azure" not in out
    assert "wrong-key-123456789" not in out


def test_it_exits_zero_when_every_connection_passes(sandbox, capsys) -> None:
    BY_ID["now_llm"].connection(sandbox.url, name="platform-llm")
    call_command("check_providers")
    assert "ok   platform-llm" in capsys.readouterr().out


def test_it_needs_no_probe_model_for_azure_without_mappings(sandbox) -> None:
    connection = BY_ID["azure_deployments"].connection(sandbox.url)
    assert services.probe_model(connection) is None
