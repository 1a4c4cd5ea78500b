"""Security tests drive every door, so they borrow the API's clients and demo configuration
and the providers' live sandbox."""

from __future__ import annotations

from tests.api.conftest import _demo_for_module, client_for, demo, live
from tests.providers.conftest import _fresh_adapters, sandbox

__all__ = ["_demo_for_module", "_fresh_adapters", "client_for", "demo", "live", "sandbox"]
