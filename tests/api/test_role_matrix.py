"""Every endpoint and every role: who may read, who may write.

Writes send an invalid body, so an allowed role gets 400 (validation ran) and a refused one
403 (it never got that far); nothing is changed either way.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ADMIN, OPERATOR, AUDITOR = "admin_user", "operator_user", "auditor_user"
CONFIG_READERS = {ADMIN, OPERATOR}
LOG_READERS = {ADMIN, OPERATOR, AUDITOR}
ADMINS = {ADMIN}
RUNNERS = {ADMIN, OPERATOR}

# (method, path, roles allowed); superusers may do everything.
MATRIX = [
    ("get", "/api/v1/providers/", CONFIG_READERS),
    ("get", "/api/v1/providers/azure_openai/", CONFIG_READERS),
    ("patch", "/api/v1/providers/azure_openai/", ADMINS),
    ("get", "/api/v1/connections/", CONFIG_READERS),
    ("get", "/api/v1/connections/contoso-azure/", CONFIG_READERS),
    ("post", "/api/v1/connections/", ADMINS),
    ("patch", "/api/v1/connections/contoso-azure/", ADMINS),
    ("post", "/api/v1/connections/contoso-azure/test/", ADMINS),
    ("get", "/api/v1/model-aliases/", CONFIG_READERS),
    ("get", "/api/v1/model-aliases/gpt_large/", CONFIG_READERS),
    ("get", "/api/v1/alias-mappings/", CONFIG_READERS),
    ("post", "/api/v1/alias-mappings/", ADMINS),
    ("get", "/api/v1/skills/", CONFIG_READERS),
    ("get", "/api/v1/skills/incident_summarization/", CONFIG_READERS),
    ("patch", "/api/v1/skills/incident_summarization/", ADMINS),
    ("get", "/api/v1/skill-variants/", CONFIG_READERS),
    ("post", "/api/v1/skill-variants/", ADMINS),
    ("get", "/api/v1/model-provider-policies/", CONFIG_READERS),
    ("post", "/api/v1/model-provider-policies/", ADMINS),
    ("get", "/api/v1/version-overrides/", CONFIG_READERS),
    ("post", "/api/v1/version-overrides/", ADMINS),
    ("get", "/api/v1/invocations/", LOG_READERS),
    ("post", "/api/v1/invocations/", RUNNERS),
    ("get", "/api/v1/agents/", CONFIG_READERS),
    ("get", "/api/v1/agent-runs/", LOG_READERS),
    ("post", "/api/v1/agent-runs/", RUNNERS),
    ("get", "/api/v1/health-checks/", LOG_READERS),
    ("get", "/api/v1/config/export/", CONFIG_READERS),
    ("post", "/api/v1/config/import/?dry_run=1", ADMINS),
]
WHO = [ADMIN, OPERATOR, AUDITOR, "stranger", "superuser"]
BAD_BODY = {"integration_mode": "nope", "is_active": "maybe", "model": "", "version": 99}


@pytest.mark.parametrize(("method", "path", "allowed"), MATRIX)
def test_it_enforces_the_role_matrix(demo, client_for, method, path, allowed) -> None:
    body = BAD_BODY if method != "get" else None
    for who in WHO:
        response = getattr(client_for(who), method)(path, body, format="json")
        if who in allowed or who == "superuser":
            expected = 200 if method == "get" else 400
            assert response.status_code == expected, (who, response.content[:300])
        else:
            assert response.status_code == 403, who
    anonymous = getattr(client_for(None), method)(path, body, format="json")
    assert anonymous.status_code in (401, 403)
