from __future__ import annotations

from rest_framework import serializers

from ..models import AuditEvent, OutboundRequest


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
