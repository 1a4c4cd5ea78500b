"""Forms for alert rules and channels, shared by the console and the Django admin.

The webhook URL is write-only: its input is never pre-filled nor echoed back after an
error, a blank one keeps the stored URL, and the stored one shows only as its masked hint.
A new URL passes the project's endpoint check before it is kept.
"""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import IdMultipleChoiceField
from monitoring.choices import ChannelKind
from monitoring.models import AlertRule, Channel
from monitoring.services.transports import check_webhook_url
from providers import ownership
from providers.endpoints import EndpointNotAllowed
from providers.models import Connection


class ChannelForm(forms.ModelForm):
    webhook_url = forms.CharField(
        label="Webhook URL",
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Slack-compatible incoming webhook (https). Write-only: leave blank to keep "
        "the stored URL.",
    )

    class Meta:
        model = Channel
        fields = ["name", "kind", "email_to", "webhook_url", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hint = self.instance.webhook_hint if self.instance.pk else ""
        if hint:
            self.fields["webhook_url"].help_text = f"Stored: {hint}. Leave blank to keep it."

    def clean_email_to(self) -> str:
        value = str(self.cleaned_data.get("email_to") or "")
        addresses = [a.strip() for a in value.split(",") if a.strip()]
        validate = forms.EmailField().clean
        for address in addresses:
            try:
                validate(address)
            except forms.ValidationError:
                raise forms.ValidationError(
                    "%(address)s is not an e-mail address.", params={"address": address[:100]}
                ) from None
        return ", ".join(addresses)

    def clean_webhook_url(self) -> str:
        url = str(self.cleaned_data.get("webhook_url") or "").strip()
        if not url:
            return ""
        try:
            return check_webhook_url(url)
        except EndpointNotAllowed as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Set before the model's own clean() runs, which asks a webhook channel for its URL.
        self.instance.set_webhook_url(data.get("webhook_url") or "")
        if data.get("kind") == ChannelKind.WEBHOOK:
            data["email_to"] = ""
        return data


#: What an administrator sets on a rule, by the console's form and the API alike.
RULE_FIELDS = (
    "name",
    "kind",
    "is_active",
    "provider",
    "connection",
    "threshold",
    "window_minutes",
    "min_requests",
    "expires_on",
    "quiet_start",
    "quiet_end",
    "channels",
)


class AlertRuleForm(forms.ModelForm):
    channels = IdMultipleChoiceField(
        queryset=Channel.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AlertRule
        fields = list(RULE_FIELDS)
        widgets = {
            "expires_on": forms.DateInput(attrs={"type": "date"}),
            "quiet_start": forms.TimeInput(attrs={"type": "time"}),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        """`user`: whose connections may be chosen (tenant roles: their own, not the
        platform's); None, as in the Django admin (superusers only), offers every one."""
        super().__init__(*args, **kwargs)
        connection = self.fields["connection"]
        if isinstance(connection, forms.ModelChoiceField):
            connection.queryset = ownership.visible_connections(
                user, Connection.objects.select_related("provider").order_by("name")
            )
