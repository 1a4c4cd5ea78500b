"""System checks: a malformed endpoint allowlist stops `manage.py check` and start-up."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from providers.endpoints import allowed_origins


@checks.register(checks.Tags.security)
def check_endpoint_allowlist(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        allowed_origins()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="providers.E001")]
    return []
