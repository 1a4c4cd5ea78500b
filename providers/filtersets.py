"""One filter form for the outbound log, used by the console's validation view and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms

from providers.choices import ProviderKind, Purpose, Route
from providers.models import Connection, Provider


class OutboundFilterForm(forms.Form):
    provider = forms.ChoiceField(
        choices=[("", "Any provider"), *ProviderKind.choices], required=False
    )
    connection = forms.CharField(required=False, max_length=100)
    route = forms.ChoiceField(choices=[("", "Any route"), *Route.choices], required=False)
    host = forms.CharField(required=False, max_length=255)
    status_code = forms.IntegerField(required=False, min_value=100, max_value=599)
    purpose = forms.ChoiceField(choices=[("", "Any purpose"), *Purpose.choices], required=False)
    invocation = forms.UUIDField(required=False)
    since = forms.DateTimeField(required=False)
    until = forms.DateTimeField(required=False)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=500)

    def clean_since(self) -> datetime | None:
        return _in_utc(self.cleaned_data.get("since"))

    def clean_until(self) -> datetime | None:
        return _in_utc(self.cleaned_data.get("until"))

    def clean_provider(self) -> int | None:
        kind = self.cleaned_data.get("provider")
        if not kind:
            return None
        provider = Provider.objects.filter(kind=kind).values_list("id", flat=True).first()
        if provider is None:
            raise forms.ValidationError(f"Provider {kind} is not set up.")
        return provider

    def clean_connection(self) -> int | None:
        name = self.cleaned_data.get("connection")
        if not name:
            return None
        conn = Connection.objects.filter(name=name).values_list("id", flat=True).first()
        if conn is None:
            raise forms.ValidationError(f"Unknown connection {name!r}.")
        return conn

    def query(self) -> tuple[dict[str, Any], datetime | None, datetime | None]:
        """Exact-value filters plus the time window, for `providers.outbound.queries.filtered`."""
        data = self.cleaned_data
        names = ("provider", "connection", "route", "host", "status_code", "purpose", "invocation")
        filters = {n: data[n] for n in names if data.get(n) not in (None, "")}
        if "invocation" in filters:
            filters["invocation_id"] = filters.pop("invocation")
        return filters, data.get("since"), data.get("until")


def _in_utc(value: datetime | None) -> datetime | None:
    """The moment in UTC. ISO 8601 text may carry any offset under a day, PostgreSQL takes
    none beyond ±15:59; and near the calendar's ends an offset may leave its range."""
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise forms.ValidationError("This moment is out of range.") from exc
