"""seed_demo: demo users per role, sandbox connections with BYOK on, idempotent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User

from auditlog.models import AuditEvent
from core.roles import Role, roles_of
from providers.adapters import clear_cache, get_adapter
from providers.adapters.base import ChatRequest, Message
from providers.choices import Capability, ConnectionOwner, IntegrationMode, ProviderKind
from providers.models import AliasMapping, Connection, ModelAlias, Provider
from sandbox import defaults as sandbox_defaults
from sandbox.demo import DemoSetupError, seed_demo
from sandbox.server import SandboxServer

pytestmark = pytest.mark.django_db

URL = "http://localhost:8901"
BYOK_KINDS = {
    ProviderKind.AZURE_OPENAI,
    ProviderKind.AWS_BEDROCK,
    ProviderKind.GOOGLE_GEMINI,
    ProviderKind.GENERIC_LLM,
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def _sandbox_models(kind: str, conn: Connection) -> set[str]:
    d = sandbox_defaults
    if kind == ProviderKind.AZURE_OPENAI:
        return set(d.AZURE_RESOURCES[conn.endpoint.rsplit("/", 1)[-1]]["deployments"])
    if kind == ProviderKind.AWS_BEDROCK:
        return set(d.BEDROCK_MODELS)
    if kind == ProviderKind.GOOGLE_GEMINI:
        return set(d.GEMINI_MODELS)
    return set(d.OPENAI_COMPATIBLE_ACCOUNTS["generic"]["models"])


def test_it_creates_one_user_per_role_with_the_printed_password() -> None:
    result = seed_demo(URL)
    for username, role in {
        "admin": Role.ADMIN,
        "operator": Role.OPERATOR,
        "auditor": Role.AUDITOR,
        "steward": Role.STEWARD,
    }.items():
        user = User.objects.get(username=username)
        assert roles_of(user) == {role}
        assert user.check_password(result.created_users[username])
    superuser = User.objects.get(is_superuser=True)
    assert superuser.check_password(result.created_users[superuser.username])


def test_it_aims_valid_connections_at_the_sandbox_with_byok_on() -> None:
    seed_demo(URL)
    modes = dict(Provider.objects.values_list("kind", "integration_mode"))
    assert {k for k, m in modes.items() if m == IntegrationMode.BYOK} == BYOK_KINDS
    connections = list(Connection.objects.select_related("provider"))
    owners = {(c.provider.kind, c.owner) for c in connections}
    for kind in ("azure_openai", "aws_bedrock", "google_gemini", "now_llm"):
        assert (kind, ConnectionOwner.PLATFORM) in owners
    assert {c.name for c in connections} >= {
        "contoso-azure",
        "contoso-bedrock",
        "contoso-gemini",
        "contoso-gemini-api",
        "contoso-generic",
    }
    for conn in connections:
        conn.full_clean()
        assert conn.endpoint.startswith(URL), conn.name
    vertex = Connection.objects.get(name="contoso-gemini")
    assert vertex.mode == "vertex_ai"
    assert '"token_uri":"' + URL + '/token"' in vertex.secrets["service_account_json"]


def test_it_maps_every_byok_alias_to_a_model_the_sandbox_serves() -> None:
    seed_demo(URL)
    chat_aliases = ModelAlias.objects.filter(
        provider__kind__in=BYOK_KINDS, capability=Capability.CHAT
    )
    assert chat_aliases.count() >= 8
    for alias in chat_aliases:
        mapping = AliasMapping.objects.select_related("connection").get(alias=alias, is_active=True)
        mapping.full_clean()
        assert mapping.model in _sandbox_models(alias.provider.kind, mapping.connection), alias.key


def test_it_is_idempotent_and_leaves_passwords_alone() -> None:
    first = seed_demo(URL)
    admin_password = first.created_users["admin"]
    events = AuditEvent.objects.count()
    counts = (Connection.objects.count(), AliasMapping.objects.count(), User.objects.count())
    versions = dict(Connection.objects.values_list("name", "secret_version"))

    second = seed_demo(URL)

    assert second.created_users == {}
    assert set(second.existing_users) == {"admin", "operator", "auditor", "steward", "platform"}
    assert second.configuration == "nothing to change"
    assert AuditEvent.objects.count() == events
    assert (
        Connection.objects.count(),
        AliasMapping.objects.count(),
        User.objects.count(),
    ) == counts
    assert dict(Connection.objects.values_list("name", "secret_version")) == versions
    assert User.objects.get(username="admin").check_password(admin_password)


def test_it_follows_a_new_sandbox_url() -> None:
    seed_demo(URL)
    seed_demo("http://127.0.0.1:9911")
    assert all(c.endpoint.startswith("http://127.0.0.1:9911") for c in Connection.objects.all())
    assert AliasMapping.objects.filter(is_active=True).count() == 10


def test_it_refuses_a_sandbox_host_that_is_not_allowed(settings) -> None:
    settings.BYOK_ALLOWED_ENDPOINTS = ["http://127.0.0.1:*"]
    with pytest.raises(
        DemoSetupError, match=r"http://sandbox\.example\.net:8900 is not in BYOK_ALLOWED_ENDPOINTS"
    ):
        seed_demo("http://sandbox.example.net:8900")
    assert not User.objects.exists()
    assert not Connection.objects.exists()


def test_it_gives_connections_that_answer_through_the_real_sdks(sandbox) -> None:
    seed_demo(sandbox.url)
    clear_cache()
    try:
        for mapping in AliasMapping.objects.filter(
            is_active=True, alias__capability=Capability.CHAT
        ).select_related("connection__provider", "alias"):
            request = ChatRequest(
                model=mapping.model,
                messages=(Message("user", "Summarize INC0010001"),),
                max_tokens=50,
            )
            result = get_adapter(mapping.connection).chat(request)
            assert result.text, mapping.alias.key
    finally:
        clear_cache()
