"""Alert serializers. A channel's webhook URL is write-only (its masked hint is shown) and
passes the same endpoint check as in the console; rules name their provider by kind and
their connection and channels by name."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.api import CleanModelSerializer, SlugRelatedField
from monitoring.forms import RULE_FIELDS
from monitoring.models import AlertRule, Channel, Incident, Notification
from monitoring.services.transports import check_webhook_url
from providers import ownership
from providers.endpoints import EndpointNotAllowed
from providers.models import Connection, Provider


class ChannelSerializer(CleanModelSerializer):
    webhook_url = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=2000
    )
    webhook_hint = serializers.CharField(read_only=True)

    class Meta:
        model = Channel
        fields = ["id", "name", "kind", "email_to", "webhook_url", "webhook_hint", "is_active"]

    def validate_webhook_url(self, value: str) -> str:
        if not value:
            return ""
        try:
            return check_webhook_url(value)
        except EndpointNotAllowed as exc:
            raise serializers.ValidationError(str(exc)) from None

    def prepare(self, obj: Any, attrs: dict[str, Any]) -> None:
        obj.set_webhook_url(attrs.get("webhook_url") or "")

    def create(self, validated_data: dict[str, Any]) -> Channel:
        url = validated_data.pop("webhook_url", "")
        channel = Channel(**validated_data)
        channel.set_webhook_url(url)
        channel.save()
        return channel

    def update(self, instance: Channel, validated_data: dict[str, Any]) -> Channel:
        url = validated_data.pop("webhook_url", "")
        instance.set_webhook_url(url)
        result: Channel = super().update(instance, validated_data)
        return result


class AlertRuleSerializer(CleanModelSerializer):
    provider = SlugRelatedField(
        slug_field="kind", queryset=Provider.objects.all(), required=False, allow_null=True
    )
    connection = SlugRelatedField(
        slug_field="name", queryset=Connection.objects.all(), required=False, allow_null=True
    )
    channels = SlugRelatedField(
        slug_field="name", queryset=Channel.objects.all(), many=True, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Tenant roles name their own connections only (the platform's are not theirs).
        request = self.context.get("request")
        field: Any = self.fields["connection"]
        if request is not None:
            field.queryset = ownership.visible_connections(request.user, Connection.objects.all())

    class Meta:
        model = AlertRule
        fields = ["id", *RULE_FIELDS]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        channels = attrs.pop("channels", None)  # many-to-many: not set on the unsaved copy
        attrs = super().validate(attrs)
        if channels is not None:
            attrs["channels"] = channels
        return attrs


class IncidentSerializer(serializers.ModelSerializer):
    rule = SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "rule",
            "subject",
            "subject_label",
            "state",
            "message",
            "opened_at",
            "notified_at",
            "resolved_at",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "created_at",
            "incident",
            "channel_name",
            "event",
            "status",
            "text",
            "error",
        ]
