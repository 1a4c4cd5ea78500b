"""Secrets never leave their encrypted field, at any length, for any role.

Every string secret of every connection is replaced by a marker made of a character nothing
else in the product uses, then each connection is tested against the sandbox (so outbound
records, health checks, diagnoses and audit events exist). Every API route, console page and
export is then read as each role, and the stored records and log lines are searched: the
marker character appears nowhere, whatever the secret's length (one character included).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from django.test import Client

from auditlog.models import AuditEvent
from providers.models import Connection, HealthCheck
from providers.outbound.models import OutboundRequest

pytestmark = pytest.mark.django_db

MARK = "\ua66e"  # CYRILLIC LETTER MULTIOCULAR O: nothing in the product writes it
ROLES = ["operator_user", "auditor_user", "admin_user", "platform_user", "superuser"]
API_LISTS = [
    "providers",
    "connections",
    "alias-mappings",
    "invocations",
    "health-checks",
    "outbound-requests",
    "audit-events",
    "config/export",
]
PAGES = ["/", "/connections/", "/aliases/", "/invocations/", "/validation/", "/audit/"]


def _mark_every_secret(length: int) -> None:
    for conn in Connection.objects.all():
        stored = dict(conn.secrets or {})
        marked = {k: MARK * length for k, v in stored.items() if isinstance(v, str)}
        if marked:
            conn.set_secrets(marked)
            conn.save()


# Administrators are shown a hint of a long secret's last four characters (`••••abcd`) to tell
# two keys apart (docs/SECURITY.md); that hint is the one place a part of a secret may appear.
HINT = re.compile("\u2022{4}" + MARK + "{4}")
SEES_HINTS = {"admin_user", "platform_user", "superuser"}


def _clean(text: str, where: str, who: str = "") -> None:
    if who in SEES_HINTS:
        text = HINT.sub("", text)
    assert MARK not in text, where


@pytest.mark.parametrize("length", [1, 2, 5, 6, 12, 40])
def test_no_role_ever_sees_a_secret(live, client_for, request, caplog, length: int) -> None:
    _mark_every_secret(length)
    with caplog.at_level(logging.DEBUG):
        for conn in Connection.objects.all():
            response = client_for("superuser").post(
                f"/api/v1/connections/{conn.name}/test/", {}, format="json"
            )
            _clean(response.content.decode(), f"test of {conn.name}")
        for who in ROLES:
            api = client_for(who)
            for name in API_LISTS:
                response = api.get(f"/api/v1/{name}/")
                _clean(response.content.decode(), f"{who} {name}", who)
            for conn in Connection.objects.all():
                response = api.get(f"/api/v1/connections/{conn.name}/")
                _clean(response.content.decode(), f"{who} {conn.name}", who)
            browser = Client()
            browser.force_login(request.getfixturevalue(who))
            for page in PAGES:
                _clean(browser.get(page, follow=True).content.decode(), f"{who} {page}", who)
            for conn in Connection.objects.all():
                page = f"/connections/{conn.pk}/"
                _clean(browser.get(page, follow=True).content.decode(), f"{who} {page}", who)
    _clean(caplog.text, "log lines")
    rows: list[Any] = [
        *OutboundRequest.objects.values(),
        *HealthCheck.objects.values(),
        *AuditEvent.objects.values(),
    ]
    assert OutboundRequest.objects.exists()
    _clean(json.dumps(rows, default=str), "stored records")
