"""*Manage integration*: switch a provider between the platform key (OEM) and the customer's
own key (BYOK). The audit trail records the switch (action SWITCH) through the model signals.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from providers.choices import ConnectionOwner, IntegrationMode
from providers.models import AliasMapping, Provider


class IntegrationError(ValidationError):
    """The switch is not allowed or would leave the provider unable to serve a call."""


def readiness(provider: Provider, mode: str) -> list[str]:
    """What is missing for `provider` to serve calls in `mode` (empty when ready)."""
    problems = []
    if mode == IntegrationMode.BYOK:
        if not provider.supports_byok:
            return [f"{provider.name} is platform-managed and has no BYOK mode."]
        mapped = AliasMapping.objects.filter(
            alias__provider=provider,
            is_active=True,
            connection__is_active=True,
            connection__owner=ConnectionOwner.CUSTOMER,
        ).exists()
        if not mapped:
            problems.append(
                f"No model alias of {provider.name} is mapped to an active connection of yours; "
                "add a connection and map its aliases on Model aliases."
            )
    else:
        if not provider.supports_oem:
            return [f"{provider.name} has no platform key; it runs on your key only."]
        if not provider.connections.filter(owner=ConnectionOwner.PLATFORM, is_active=True).exists():
            problems.append(f"The platform has no active connection for {provider.name}.")
    return problems


@transaction.atomic
def set_integration_mode(provider: Provider, mode: str, *, force: bool = False) -> Provider:
    """Switch the mode. Refuses an unsupported mode always, and an unready one unless `force`."""
    if mode not in IntegrationMode.values:
        raise IntegrationError({"integration_mode": f"Unknown integration mode {mode!r}."})
    provider = Provider.objects.select_for_update().get(pk=provider.pk)
    if provider.integration_mode == mode:
        return provider
    problems = readiness(provider, mode)
    unsupported = (mode == IntegrationMode.BYOK and not provider.supports_byok) or (
        mode == IntegrationMode.OEM and not provider.supports_oem
    )
    if problems and (unsupported or not force):
        raise IntegrationError({"integration_mode": problems})
    provider.integration_mode = mode
    provider.save(update_fields=["integration_mode", "updated_at"])
    return provider
