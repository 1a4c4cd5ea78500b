"""What a connection offers: its models, deployments and inference profiles, read from the
provider through the adapter's `list_models` (the official SDKs' list calls).

The alias picker fills its list from here. Listing is a live call, logged in the outbound log
like every provider request (purpose: connection test, an administrator's check of what the
connection can reach). A failure is never an exception: the picker falls back to free text
and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from providers.adapters import get_adapter
from providers.adapters.base import ErrorKind, ModelChoice, ProviderError
from providers.choices import ProviderKind, Purpose
from providers.models import Connection
from providers.outbound import capture as outbound
from providers.services import explain

NOTES: dict[str, str] = {
    ProviderKind.AZURE_OPENAI: (
        "Azure lists the models this resource can use, not your deployments: if the "
        "deployment's name differs from the model's, type the deployment name instead."
    ),
    ProviderKind.AWS_BEDROCK: (
        "Inference profiles (us., eu., global. …) route across regions; some newer Claude "
        "models can only be called through one."
    ),
}


@dataclass(frozen=True)
class Listing:
    choices: list[ModelChoice] = field(default_factory=list)
    error: str = ""  # why the list could not be read, for the administrator
    note: str = ""  # what the list means for this provider

    @property
    def ok(self) -> bool:
        return not self.error


def list_models(connection: Connection, *, capability: str = "") -> Listing:
    """The connection's models for `capability` (chat | embedding; "" for all)."""
    note = NOTES.get(connection.provider.kind, "")
    try:
        adapter = get_adapter(connection)
        with outbound.outbound_scope(purpose=Purpose.CONNECTION_TEST):
            choices = adapter.list_models()
    except ProviderError as exc:
        return Listing(error=explain(connection, str(exc.kind), exc.message), note=note)
    except Exception as exc:  # a broken connection yields a reason, not a traceback
        message = f"The connection cannot be used ({type(exc).__name__})."
        return Listing(error=explain(connection, str(ErrorKind.CONFIG), message), note=note)
    if capability:
        choices = [c for c in choices if c.capability in (capability, "")]
    if not choices:
        return Listing(error="The provider listed no model for this alias.", note=note)
    return Listing(choices=choices, note=note)
