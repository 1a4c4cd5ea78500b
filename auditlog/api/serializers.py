from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import AuditEvent, OutboundRequest

# Fields whose API value is the stored value itself (str, int, JSON or null).
_AS_STORED = (
    "id",
    "route",
    "purpose",
    "account",
    "attempt",
    "method",
    "scheme",
    "host",
    "path",
    "status_code",
    "latency_ms",
    "request_bytes",
    "response_bytes",
    "provider_request_id",
    "error",
    "level",
    "query",
    "request_headers",
    "response_headers",
    "request_body",
    "response_body",
)

# Formats `created_at` as the generated field would, without building the serializer's
# fields (which ModelSerializer derives from the model on first use, every request).
_STAMP = serializers.DateTimeField(read_only=True)


class OutboundRequestSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="kind", read_only=True)
    connection = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = OutboundRequest
        fields = [
            "id",
            "created_at",
            "provider",
            "connection",
            "route",
            "purpose",
            "account",
            "invocation",
            "agent_run",
            "attempt",
            "method",
            "scheme",
            "host",
            "path",
            "status_code",
            "latency_ms",
            "request_bytes",
            "response_bytes",
            "provider_request_id",
            "error",
            "level",
            "query",
            "request_headers",
            "response_headers",
            "request_body",
            "response_body",
        ]
        read_only_fields = fields

    def to_representation(self, instance: OutboundRequest) -> dict[str, Any]:
        """The same dict DRF's field-by-field walk builds, in a fifth of its time.

        A page is 50 rows of 26 fields; DRF's generic walk (attribute lookup, None check and
        `to_representation` per field, after deriving the fields from the model) took ~5 ms
        of a ~15 ms API page, this ~0.8 ms. Every field here is read as stored (strings,
        integers, JSON, the linked rows' ids) except the timestamp, the provider kind and the
        connection name. A test holds this to DRF's own output.
        """
        data = {name: getattr(instance, name) for name in _AS_STORED}
        data["created_at"] = _STAMP.to_representation(instance.created_at)
        data["provider"] = instance.provider.kind if instance.provider_id is not None else None
        data["connection"] = (
            instance.connection.name if instance.connection_id is not None else None
        )
        data["invocation"] = instance.invocation_id
        data["agent_run"] = instance.agent_run_id
        return {name: data[name] for name in self.Meta.fields}


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]
        read_only_fields = fields
