"""The overview, usage and health pages through Django's test client: their figures against
the aggregates, each chart's data table, the CSV and its quoting, roles, bad parameters, and
health explained from real checks of the sandbox."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from providers.adapters import clear_cache
from providers.choices import HealthStatus, IntegrationMode
from providers.models import Connection, HealthCheck, Provider
from providers.services import run_health_check
from sandbox.server import SandboxServer
from skills import latency
from skills.choices import InvocationStatus
from skills.models import Invocation, Skill
from skills.services.invocations import create_invocation
from skills.services.usage import roll_up_usage
from tests.skills.conftest import AZURE_KEY, World, build_world

pytestmark = pytest.mark.django_db

INPUT = {"short_description": "Printer on fire"}
PAGES = ["/overview/", "/usage/", "/usage/export.csv", "/health/"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


@pytest.fixture
def world(db: None, sandbox: SandboxServer) -> Iterator[World]:
    clear_cache()
    yield build_world(sandbox.url)
    clear_cache()


def _finished(world: World, *, skill: Skill | None = None, days_ago: int = 0, **values) -> None:
    inv = create_invocation(world.skill.key, INPUT, publish=False)
    fields = {
        "skill": skill or world.skill,
        "status": InvocationStatus.SUCCEEDED,
        "finished_at": timezone.now() - timedelta(days=days_ago),
        "provider": world.azure,
        "connection": world.azure_conn,
        "model": "gpt4o-prod",
        "route": "byok",
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "cost": Decimal("0.0015"),
        "latency_ms": 200,
        "usage_pending": True,
        **values,
    }
    Invocation.objects.filter(pk=inv.pk).update(**fields)


def _cells(html: str, row_id: str) -> dict[str, str]:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>\s*(?=<tr id=|</tbody>)', html, re.S)
    assert row, row_id
    return {
        name: re.sub(r"<[^>]+>", "", value).strip()
        for name, value in re.findall(r'<td class="num (\w+)">(.*?)</td>', row.group(1), re.S)
    }


def test_the_overview_shows_each_provider_from_the_aggregates(client, admin_user, world) -> None:
    for ms in (100, 200, 300, 400, 5000):
        _finished(world, latency_ms=ms)
    _finished(
        world,
        status=InvocationStatus.FAILED,
        error_code="provider_auth",
        error_message="The credentials were refused by Azure OpenAI.",
        latency_ms=50,
        days_ago=1,
    )
    roll_up_usage()
    _finished(world, latency_ms=250)  # still pending: counted all the same
    client.force_login(admin_user)
    html = client.get("/overview/?period=7d").content.decode()
    cells = _cells(html, "overview-azure_openai")
    buckets = latency.histogram([100, 200, 300, 400, 5000, 50, 250])
    assert cells == {
        "calls": "7",
        "errors": "1",
        "p50": f"{latency.percentile_ms(buckets, 0.5):,} ms",
        "p95": f"{latency.percentile_ms(buckets, 0.95):,} ms",
        "cost": "0.0105",
    }
    assert _cells(html, "overview-google_gemini")["calls"] == "0"
    # The sparkline's own table: calls per day, yesterday 1, today 6.
    today, yesterday = timezone.localdate(), timezone.localdate() - timedelta(days=1)
    assert f'<th scope="row">{yesterday:%m-%d}</th><td>1</td>' in html
    assert f'<th scope="row">{today:%m-%d}</th><td>6</td>' in html
    assert "Azure OpenAI: calls per day</title>" in html
    # The failure and its diagnosis.
    assert "provider_auth" in html
    assert "The credentials were refused by Azure OpenAI." in html
    assert AZURE_KEY not in html


def test_the_overview_says_what_to_do_when_there_is_nothing_yet(client, auditor_user, world):
    client.force_login(auditor_user)
    html = client.get("/overview/").content.decode()
    assert "No skill calls in this period" in html
    assert "No failed skill calls in this period" in html


@pytest.mark.parametrize(
    "query",
    [
        "/overview/?period=1y",
        "/usage/?period=forever",
        "/usage/?group=colour",
        "/usage/?since=2026-13-01",
        "/usage/?since=2026-05-10&until=2026-05-01",
        "/usage/?since=2020-01-01&until=2026-01-01",
        "/usage/?provider=nobody",
        "/usage/export.csv?since=yesterday",
        "/health/1/?period=%00",
    ],
)
def test_bad_parameters_answer_400_with_the_reason(client, admin_user, world, query) -> None:
    client.force_login(admin_user)
    if query.startswith("/health/1/"):
        query = query.replace("/1/", f"/{world.azure_conn.pk}/")
    response = client.get(query)
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r"Select a valid choice|Enter a valid date|after the end|at most 366", body)


def test_the_usage_page_groups_by_each_dimension_with_charts_and_a_table(
    client, operator_user, world
) -> None:
    other = Skill.objects.create(key="other", name="Other skill")
    _finished(world, days_ago=2)
    _finished(world, skill=other, prompt_tokens=50, completion_tokens=5, cost=Decimal("0.5"))
    _finished(
        world,
        provider=world.now_llm,
        connection=world.now_conn,
        route="oem",
        model="now-llm",
        cost=Decimal(0),
    )
    roll_up_usage()
    client.force_login(operator_user)
    for group in ("provider", "connection", "model", "skill", "route"):
        response = client.get(f"/usage/?group={group}&period=7d")
        assert response.status_code == 200, group
        html = response.content.decode()
        assert html.count("<svg") == 3
        assert f"Calls per day by {group}</title>" in html
        assert '<strong class="total-calls">3</strong>' in html
    html = client.get("/usage/?group=skill&period=7d").content.decode()
    # The calls chart's table: one column per skill, one row per day.
    today = timezone.localdate()
    assert (
        f'<th scope="row">{today:%Y-%m-%d}</th><td>1</td><td>1</td>' in html
        or f'<th scope="row">{today:%Y-%m-%d}</th><td>2</td><td>1</td>' in html
    )
    route = client.get("/usage/?group=route&route=oem").content.decode()
    assert '<strong class="total-calls">1</strong>' in route
    assert "<td>OEM</td>" in route
    empty = client.get("/usage/?provider=aws_bedrock").content.decode()
    assert "No skill calls match" in empty
    dated = client.get(f"/usage/?since={today - timedelta(days=1)}&until={today}").content.decode()
    assert '<strong class="total-calls">2</strong>' in dated


def test_the_csv_holds_the_table_and_neutralises_formulas(client, auditor_user, world) -> None:
    names = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", 'Quotes "and", commas']
    for n, name in enumerate(names):
        skill = Skill.objects.create(key=f"s{n}", name=name)
        _finished(world, skill=skill, prompt_tokens=10 + n, cost=Decimal("0.25"))
    roll_up_usage()
    client.force_login(auditor_user)
    response = client.get("/usage/export.csv?group=skill&period=24h")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Day", "Skill", "Calls"]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {
        '\'=HYPERLINK("http://x")',
        "'+1+1",
        "'-2",
        "'@SUM(A1)",
        'Quotes "and", commas',
    }
    assert by_name["'-2"][2:7] == ["1", "0", "12", "20", "0.250000"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("url", [*PAGES, "/health/{pk}/"])
def test_log_readers_may_read_the_pages_and_strangers_may_not(client, request, world, url) -> None:
    url = url.format(pk=world.azure_conn.pk)
    for who, status in (("auditor_user", 200), ("operator_user", 200), ("stranger", 403)):
        client.force_login(request.getfixturevalue(who))
        assert client.get(url).status_code == status, who
    client.logout()
    assert client.get(url).status_code == 302


def test_tenant_roles_do_not_see_platform_connections_health(
    client, admin_user, platform_user, world
) -> None:
    client.force_login(admin_user)
    assert client.get(f"/health/{world.now_conn.pk}/").status_code == 404
    assert world.now_conn.name not in client.get("/health/").content.decode()
    client.force_login(platform_user)
    assert client.get(f"/health/{world.now_conn.pk}/").status_code == 200


def test_health_is_explained_from_real_checks(client, admin_user, world) -> None:
    conn = world.azure_conn
    assert run_health_check(conn).ok, conn.last_check_message
    conn.set_secrets({"api_key": "wrong-key-0000"})
    conn.save()
    clear_cache()
    for _ in range(3):
        assert not run_health_check(conn).ok
    # Spread the four checks over the last hour, oldest first.
    checks = HealthCheck.objects.filter(connection=conn).order_by("checked_at")
    for minutes, check in zip((60, 40, 20, 5), checks, strict=True):
        HealthCheck.objects.filter(pk=check.pk).update(
            checked_at=timezone.now() - timedelta(minutes=minutes)
        )
    client.force_login(admin_user)
    html = client.get(f"/health/{conn.pk}/?period=24h").content.decode()
    first_failure = timezone.localtime(timezone.now() - timedelta(minutes=40))
    assert f"Down since {first_failure:%Y-%m-%d %H:%M}: the last 3 health checks failed" in html
    assert "credentials were refused" in html
    assert "wrong-key-0000" not in html
    # The timeline: healthy, then degraded (two checks), then down; its table says so.
    assert re.search(r"<td>Healthy, 1 check</td>", html)
    assert re.search(r"<td>Degraded, 2 checks: The credentials were refused", html)
    assert re.search(r"<td>Down, 1 check: The credentials were refused", html)
    assert 'class="span down"' in html
    assert "Health-check latency of" in html
    listing = client.get("/health/").content.decode()
    assert "Down since" in listing


def test_a_connection_never_checked_says_so(client, operator_user, world) -> None:
    client.force_login(operator_user)
    html = client.get(f"/health/{world.azure_conn.pk}/").content.decode()
    assert "No health check has run yet" in html
    assert "No health check ran in this period" in html


def test_the_period_selector_shows_the_period_shown(client, operator_user, world) -> None:
    client.force_login(operator_user)
    assert '<option value="7d" selected>' in client.get("/overview/").content.decode()
    assert '<option value="7d" selected>' in client.get("/usage/").content.decode()
    html = client.get(f"/health/{world.azure_conn.pk}/?period=24h").content.decode()
    assert '<option value="24h" selected>Last 24 hours</option>' in html


def test_a_providers_health_is_that_of_the_connections_its_mode_routes_to(
    client, admin_user, world
) -> None:
    Connection.objects.filter(pk=world.azure_conn.pk).update(health_status=HealthStatus.DOWN)
    client.force_login(admin_user)
    row = re.search(
        r'<tr id="overview-azure_openai">.*?</tr>', client.get("/overview/").content.decode(), re.S
    ).group(0)
    assert '<span class="health down">Down</span>' in row
    # Under OEM the customer's connection serves nothing: Azure has no platform connection.
    Provider.objects.filter(pk=world.azure.pk).update(integration_mode=IntegrationMode.OEM)
    row = re.search(
        r'<tr id="overview-azure_openai">.*?</tr>', client.get("/overview/").content.decode(), re.S
    ).group(0)
    assert '<span class="health unknown">Unknown</span>' in row
