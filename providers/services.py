"""Connection tests and health checks: the minimal real call, phrased as a diagnosis.

`test_connection` answers an administrator ("is this key right?"), `run_health_check` keeps
the connection's health status current (1-2 consecutive failures → degraded, 3+ → down).
Both turn every failure — including an undecryptable secret — into a Diagnosis, never an
exception, and never quote a secret.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from providers.adapters import get_adapter, unsaved_adapter
from providers.adapters.base import Diagnosis, ErrorKind, ProviderError
from providers.choices import Capability, HealthStatus, ProviderKind, Purpose
from providers.models import AliasMapping, Connection, HealthCheck, ModelAlias
from providers.outbound import capture as outbound

DOWN_AFTER = 3

ADVICE: dict[ErrorKind, str] = {
    ErrorKind.AUTH: "The credentials were refused — check the key (or token) and that it belongs "
    "to this {where}.",
    ErrorKind.PERMISSION: "The credentials are valid but not allowed to use this {what} — grant "
    "access or choose another.",
    ErrorKind.NOT_FOUND: "The {what} was not found — check its name, and that it exists in this "
    "{where}.",
    ErrorKind.REGION: "Region mismatch — the credentials or model are not available in the "
    "configured region.",
    ErrorKind.THROTTLED: "The provider is throttling requests; the connection works but is at "
    "its rate limit.",
    ErrorKind.SERVER: "The provider had a server error; try again later.",
    ErrorKind.TIMEOUT: "The provider did not answer in time — check the endpoint, or raise the "
    "connection's timeout.",
    ErrorKind.NETWORK: "The endpoint is unreachable — check the host name, port and network path.",
    ErrorKind.TLS: "The TLS certificate of the endpoint could not be verified — check the host "
    "name, or the CA bundle.",
    ErrorKind.MALFORMED: "The endpoint answered something that is not this provider's protocol "
    "— check the endpoint URL.",
    ErrorKind.CONTENT_FILTER: "The provider's content filter blocked the test prompt.",
    ErrorKind.BAD_REQUEST: "The provider refused the request — check the API version and settings.",
    ErrorKind.CONFIG: "The connection is not configured completely.",
}
WHAT: dict[str, tuple[str, str]] = {
    ProviderKind.AZURE_OPENAI: ("deployment", "Azure OpenAI resource"),
    ProviderKind.AWS_BEDROCK: ("model", "AWS account and region"),
    ProviderKind.GOOGLE_GEMINI: ("model or project", "Google Cloud project or API key"),
}


def probe_model(connection: Connection) -> str | None:
    """The model to test: a chat mapping of this connection, else the provider's default."""
    mapping = (
        AliasMapping.objects.filter(
            connection=connection, is_active=True, alias__capability=Capability.CHAT
        )
        .order_by("alias__key")
        .values_list("model", flat=True)
        .first()
    )
    if mapping:
        return mapping
    if connection.provider.kind == ProviderKind.AZURE_OPENAI:
        return None  # a deployment name is the customer's own; the key probe needs none
    return (
        ModelAlias.objects.filter(
            provider_id=connection.provider_id, capability=Capability.CHAT, is_primary=True
        )
        .order_by("tier")
        .values_list("default_version__name", flat=True)
        .first()
    )


def explain(connection: Connection, kind: str, message: str) -> str:
    """One sentence of advice, then the provider's own words."""
    what, where = WHAT.get(connection.provider.kind, ("model", "account"))
    advice = ADVICE.get(ErrorKind(kind), "The test failed.") if kind != "ok" else ""
    advice = advice.format(what=what, where=where)
    return f"{advice} Provider said: {message}" if message else advice


def _diagnose(
    connection: Connection, *, model: str | None, purpose: str, unsaved: bool = False
) -> Diagnosis:
    started = time.perf_counter()
    try:
        adapter = unsaved_adapter(connection) if unsaved else get_adapter(connection)
        with outbound.outbound_scope(purpose=purpose):
            result = adapter.test_connection(model or probe_model(connection))
    except ProviderError as exc:
        result = Diagnosis(ok=False, kind=str(exc.kind), message=str(exc))
    except Exception as exc:  # a broken connection must yield a diagnosis, not a traceback
        result = Diagnosis(
            ok=False,
            kind=str(ErrorKind.CONFIG),
            message=f"The connection cannot be used ({type(exc).__name__}).",
        )
    message = result.message if result.ok else explain(connection, result.kind, result.message)
    return Diagnosis(
        ok=result.ok,
        kind=result.kind,
        message=message[:1000],
        latency_ms=result.latency_ms
        if result.latency_ms is not None
        else round((time.perf_counter() - started) * 1000),
    )


def test_connection(
    connection: Connection,
    *,
    user: Any = None,  # noqa: PT028
    model: str | None = None,  # noqa: PT028 - a service named like a test
    unsaved: bool = False,  # noqa: PT028
) -> Diagnosis:
    """Run the connection test (admin action, API `test`, console button); keeps a history row.

    `unsaved`: test the connection as it is in memory (new secrets not yet saved) with an
    adapter built for this test only.
    """
    diagnosis = _diagnose(connection, model=model, purpose=Purpose.CONNECTION_TEST, unsaved=unsaved)
    HealthCheck.objects.create(
        connection=connection,
        ok=diagnosis.ok,
        kind="test",
        diagnosis=diagnosis.kind,
        message=diagnosis.message,
        latency_ms=diagnosis.latency_ms,
        triggered_by=user if getattr(user, "pk", None) else None,
    )
    return diagnosis


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def run_health_check(connection: Connection) -> HealthCheck:
    """Health-check one connection and update its status (healthy / degraded / down)."""
    diagnosis = _diagnose(connection, model=None, purpose=Purpose.HEALTH_CHECK)
    with transaction.atomic():
        check = HealthCheck.objects.create(
            connection=connection,
            ok=diagnosis.ok,
            kind="health",
            diagnosis=diagnosis.kind,
            message=diagnosis.message,
            latency_ms=diagnosis.latency_ms,
        )
        failures = 0 if diagnosis.ok else connection.consecutive_failures + 1
        status = (
            HealthStatus.HEALTHY
            if diagnosis.ok
            else HealthStatus.DOWN
            if failures >= DOWN_AFTER
            else HealthStatus.DEGRADED
        )
        Connection.objects.filter(pk=connection.pk).update(
            health_status=status,
            consecutive_failures=failures,
            last_checked_at=timezone.now(),
            last_check_message=diagnosis.message[:500],
        )
    connection.health_status = status
    connection.consecutive_failures = failures
    connection.last_check_message = diagnosis.message[:500]
    return check


def check_all_active() -> list[tuple[Connection, HealthCheck]]:
    """Health-check every active connection (the `check_providers` command and beat task)."""
    connections = Connection.objects.filter(is_active=True).select_related("provider")
    return [(c, run_health_check(c)) for c in connections.order_by("name")]


def active_connection_ids() -> list[int]:
    return list(Connection.objects.filter(is_active=True).values_list("pk", flat=True))


def check_connection(connection_id: int) -> HealthCheck | None:
    """The scheduled check of one connection, if it still exists and is active."""
    connection = Connection.objects.select_related("provider").filter(pk=connection_id).first()
    if connection is None or not connection.is_active:
        return None
    return run_health_check(connection)
