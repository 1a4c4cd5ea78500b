"""A stream cut after its first chunk: every mode raises a retryable ProviderError and logs it."""

from __future__ import annotations

import pytest

from providers.adapters import get_adapter
from providers.adapters.base import ChatRequest, ErrorKind, Message, ProviderError
from providers.outbound.capture import outbound_scope
from providers.outbound.models import OutboundRequest
from tests.providers.modes import MODES, Mode

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.id)
def test_it_reports_a_stream_cut_mid_answer(sandbox, mode: Mode) -> None:
    adapter = get_adapter(mode.connection(sandbox.url))
    request = ChatRequest(
        model=mode.chat_model,
        messages=(Message("user", "Summarize incident INC0404: one. two. three. four."),),
    )
    adapter.chat(request)  # a service-account token is fetched before the fault
    sandbox.set_faults(mode.fault_provider, kind="stream_cut", fail_next=1)
    with outbound_scope() as scope, pytest.raises(ProviderError) as info:
        list(adapter.stream(request))
    assert info.value.kind in (ErrorKind.NETWORK, ErrorKind.MALFORMED)
    assert info.value.retryable
    row = OutboundRequest.objects.get(pk__in=scope.row_ids)
    assert row.status_code == 200
    assert row.error
    cut = [r for r in sandbox.requests if r["fault"] == "stream_cut"]
    assert cut[-1]["provider"] == mode.fault_provider
