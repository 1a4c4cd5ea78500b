"""The query parameters of the overview, usage and health pages, as forms: a bad value is a
form error the page shows (with 400), never an exception."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django import forms
from django.utils import timezone

from providers.choices import ProviderKind, Route
from skills.services.reports import DEFAULT_PERIOD, DIMENSIONS, MAX_DAYS, PERIODS, Days, period_days


class PeriodForm(forms.Form):
    """A period of the overview and health pages: 24 h, 7 days or 30 days."""

    period = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in PERIODS.items()],
        required=False,
        label="Period",
    )

    def days(self) -> Days:
        """The days chosen (the default period when none was asked for); call when valid."""
        return period_days(self.cleaned_data.get("period") or DEFAULT_PERIOD)


class HealthPeriodForm(PeriodForm):
    """A period of the health pages: exact windows back from now (checks are not daily)."""

    period = forms.ChoiceField(
        choices=[("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days")],
        required=False,
        label="Period",
    )


FormT = TypeVar("FormT", bound=PeriodForm)


def bound(form_class: type[FormT], params: Any) -> FormT:
    """The form over the query parameters, the default period filled in so the selector
    shows the period the page shows."""
    data = params.copy()
    data.setdefault("period", DEFAULT_PERIOD)
    return form_class(data)


class UsageForm(PeriodForm):
    """The usage page: a grouping, a period or a date range, and optional filters."""

    group = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in DIMENSIONS.items()],
        required=False,
        label="Group by",
    )
    since = forms.DateField(
        required=False, label="From (date)", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To (date)", widget=forms.DateInput(attrs={"type": "date"})
    )
    provider = forms.ChoiceField(
        choices=[("", "Any provider"), *ProviderKind.choices], required=False, label="Provider"
    )
    route = forms.ChoiceField(
        choices=[("", "BYOK and OEM"), *Route.choices], required=False, label="Route"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since or until:
            today = timezone.localdate()
            until = until or today
            since = since or until - datetime.timedelta(days=6)
            if since > until:
                raise forms.ValidationError("The start date is after the end date.")
            if (until - since).days + 1 > MAX_DAYS:
                raise forms.ValidationError(f"Choose a range of at most {MAX_DAYS} days.")
            data["since"], data["until"] = since, until
        return data

    def days(self) -> Days:
        if self.cleaned_data.get("since"):
            return Days(self.cleaned_data["since"], self.cleaned_data["until"])
        return super().days()

    def dimension(self) -> str:
        return self.cleaned_data.get("group") or "provider"

    def filters(self) -> dict[str, Any]:
        """ORM lookups both the totals and the pending invocations understand."""
        found: dict[str, Any] = {}
        if self.cleaned_data.get("provider"):
            found["provider__kind"] = self.cleaned_data["provider"]
        if self.cleaned_data.get("route"):
            found["route"] = self.cleaned_data["route"]
        return found
