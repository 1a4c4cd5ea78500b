"""Runs started from the console stream: the answer reaches the row as it arrives, restored
from the privacy vault even when a placeholder is split across deltas, on every route."""

from __future__ import annotations

import json

import pytest

from providers.choices import ProviderKind
from providers.models import Provider
from providers.outbound.models import OutboundRequest
from skills.choices import InvocationStatus, Source
from skills.governance.masking import Vault
from skills.models import Invocation, PrivacyPolicy, Skill
from skills.services import governance, streaming
from skills.services.invocations import create_invocation, run_invocation
from tests.skills.governance_support import serve

EMAIL = "jane.doe@contoso.com"
PROMPT = f"Summarize: Contact {EMAIL} about the VPN. It drops every hour."
ROUTES = [
    ProviderKind.AZURE_OPENAI,
    ProviderKind.AWS_BEDROCK,
    ProviderKind.GOOGLE_GEMINI,
    ProviderKind.GENERIC_LLM,
    ProviderKind.NOW_LLM,
]


def _run(source: str = Source.UI) -> Invocation:
    created = create_invocation("generic_prompt", {"prompt": PROMPT}, source=source, publish=False)
    finished = run_invocation(created.pk)
    assert finished is not None
    return finished


@pytest.mark.parametrize("kind", ROUTES)
def test_a_console_run_streams_and_restores_the_answer_on_every_route(governed, kind) -> None:
    serve(kind)
    PrivacyPolicy.objects.create(name="Default", scope="instance", patterns=["email"])
    inv = _run()
    assert inv.status == InvocationStatus.SUCCEEDED, inv.error_message
    assert EMAIL in inv.output
    assert "[EMAIL_1]" not in inv.output
    rows = OutboundRequest.objects.filter(invocation_id=inv.pk, purpose="invocation")
    assert rows.exists()
    sent = " ".join(f"{r.path} {r.query} {r.request_body} {r.response_body}" for r in rows)
    assert EMAIL not in sent
    assert "stream" in sent.lower()  # the streaming form of each provider's API


def test_an_api_run_is_not_streamed(governed) -> None:
    serve(ProviderKind.AZURE_OPENAI)
    inv = _run(Source.API)
    assert inv.status == InvocationStatus.SUCCEEDED
    [row] = OutboundRequest.objects.filter(invocation_id=inv.pk)
    assert json.loads(row.request_body).get("stream") is not True


def test_the_answer_so_far_is_written_restored_with_split_placeholders_held_back(
    governed, monkeypatch
) -> None:
    monkeypatch.setattr(streaming, "EVERY", 0.0)
    PrivacyPolicy.objects.create(name="Default", scope="instance", patterns=["email"])
    skill = Skill.objects.get(key="generic_prompt")
    gate = governance.gate_for(skill, Provider.objects.get(kind="azure_openai"), None, [])
    assert gate.mask(f"mail {EMAIL}") == "mail [EMAIL_1]"
    row = Invocation.objects.create(
        skill=skill, status=InvocationStatus.RUNNING, claimed_by="tok", source=Source.UI
    )
    live = streaming.LiveOutput(row, "tok", gate)
    live.begin()
    seen = []
    for delta in ("Write to [EMA", "IL_1", "] today", "."):
        live.feed(delta)
        row.refresh_from_db()
        seen.append(row.output)
    assert seen == ["Write to ", "Write to ", f"Write to {EMAIL} today", f"Write to {EMAIL} today."]
    live.begin()  # a retry starts the answer again
    row.refresh_from_db()
    assert row.output == ""


def test_a_row_no_longer_held_is_not_written(governed, monkeypatch) -> None:
    monkeypatch.setattr(streaming, "EVERY", 0.0)
    skill = Skill.objects.get(key="generic_prompt")
    gate = governance.Gate(masker=None, guardian=None, modes={}, vault=Vault())
    row = Invocation.objects.create(
        skill=skill, status=InvocationStatus.CANCELLED, claimed_by="tok", source=Source.UI
    )
    live = streaming.LiveOutput(row, "tok", gate)
    live.feed("late words")
    row.refresh_from_db()
    assert row.output == ""
