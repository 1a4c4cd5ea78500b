"""Providers, connections, the alias catalogue, alias mappings and health checks over REST.

Connection secrets are write-only: callers send a `credentials` object (the same shape as the
configuration document) and read back only `credentials_set` (names) and, for roles allowed
to see them, `secret_hints` (`••••abcd`).
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import CleanModelSerializer, SlugRelatedField, request_of
from core.roles import has_capability
from providers.choices import IntegrationMode
from providers.integrations import readiness
from providers.models import AliasMapping, Connection, HealthCheck, ModelAlias, Provider
from providers.specs import (
    SECRET_NAMES,
    SETTING_NAMES,
    ConnectionSpec,
    SettingError,
    default_owner,
    help_of,
    spec_for,
    variants,
)


@extend_schema_field(OpenApiTypes.STR)
class ProviderKindField(SlugRelatedField):
    """A provider by its kind (`azure_openai`); one schema type wherever a provider appears."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Provider.objects.all())
        super().__init__(slug_field="kind", **kwargs)


SETTING_FIELDS = sorted(SETTING_NAMES)


def _setting_kwargs() -> dict[str, dict[str, Any]]:
    """Each setting's API field as its spec describes it (help, choices, length)."""
    kwargs: dict[str, dict[str, Any]] = {}
    for name in SETTING_FIELDS:
        spec = variants(name)[0][1]
        help_text = help_of(name)
        if spec.choices:
            help_text += f" One of: {', '.join(v for v, _ in spec.choices)}."
        kwargs[name] = {"help_text": help_text, "max_length": spec.max_length}
    return kwargs


class ProviderSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)  # one schema type for provider kinds
    supports_oem = serializers.BooleanField(read_only=True)
    supports_byok = serializers.BooleanField(read_only=True)
    readiness = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = [
            "kind",
            "name",
            "integration_mode",
            "enabled",
            "description",
            "supports_oem",
            "supports_byok",
            "readiness",
            "updated_at",
        ]
        read_only_fields = fields

    def get_readiness(self, provider: Provider) -> dict[str, list[str]]:
        """What each mode still lacks (empty lists when the provider can serve calls in it)."""
        return {mode: readiness(provider, mode) for mode in IntegrationMode.values}


class IntegrationSwitchSerializer(serializers.Serializer):
    """*Manage integration*: `force` switches even when the new mode is not ready yet."""

    integration_mode = serializers.ChoiceField(choices=IntegrationMode.choices)
    force = serializers.BooleanField(default=False, write_only=True)


class ConnectionSerializer(CleanModelSerializer):
    provider = ProviderKindField()
    credentials = serializers.DictField(
        write_only=True,
        required=False,
        help_text="Secrets by name (api_key, secret_access_key, service_account_json, …). "
        "Write-only; omitted names keep their stored value.",
    )
    clear_credentials = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(SECRET_NAMES)),
        write_only=True,
        required=False,
        help_text="Names of stored secrets to remove.",
    )
    credentials_set = serializers.SerializerMethodField()
    health_status = serializers.CharField(read_only=True)  # no enum: "status" names collide
    secret_hints = serializers.SerializerMethodField()

    error_field_names = {"secrets": "credentials"}

    class Meta:
        model = Connection
        fields = [
            "id",
            "name",
            "provider",
            "owner",
            "is_active",
            "description",
            *SETTING_FIELDS,
            "timeout_seconds",
            "credentials",
            "clear_credentials",
            "credentials_set",
            "secret_hints",
            "health_status",
            "consecutive_failures",
            "last_checked_at",
            "last_check_message",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "health_status",
            "consecutive_failures",
            "last_checked_at",
            "last_check_message",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            **_setting_kwargs(),
            "timeout_seconds": {"min_value": 1, "max_value": 600},
        }

    def get_credentials_set(self, conn: Connection) -> list[str]:
        return sorted(conn.secret_names)

    def get_secret_hints(self, conn: Connection) -> dict[str, str] | None:
        """Masked hints for roles allowed to see them (administrators); null for others."""
        request = request_of(self)
        if request is None or not has_capability(request.user, "view_secret_hints"):
            return None
        return dict(conn.secret_hints or {})

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        provider = attrs.get("provider") or getattr(self.instance, "provider", None)
        if provider is None:
            raise serializers.ValidationError({"provider": ["This field is required."]})
        if self.instance is not None and "provider" in attrs and provider != self.instance.provider:
            raise serializers.ValidationError(
                {"provider": ["A connection cannot change provider; create a new one."]}
            )
        spec = spec_for(provider.kind)
        if self.instance is None and "owner" not in attrs:
            attrs["owner"] = default_owner(spec)  # as in the configuration document
        # The model's clean() checks these too; checking them here as well reports them
        # together with the credentials' errors, which stop validation before it.
        errors: dict[str, Any] = spec.setting_errors(
            {name: attrs.get(name) for name in SETTING_FIELDS}, provider.name
        )
        secrets, credential_errors = _credentials(attrs.get("credentials") or {}, spec, attrs)
        if credential_errors:
            errors["credentials"] = [credential_errors]
        for name in attrs.get("clear_credentials") or []:
            if name not in spec.secrets:
                errors.setdefault("clear_credentials", []).append(
                    f"{name} is not a secret of {provider.kind} connections."
                )
        if errors:
            raise serializers.ValidationError(errors)
        attrs["credentials"] = secrets
        return super().validate(attrs)

    def prepare(self, obj: models.Model, attrs: dict[str, Any]) -> None:
        assert isinstance(obj, Connection)
        _apply_secrets(obj, attrs)

    def create(self, validated_data: dict[str, Any]) -> Connection:
        data = dict(validated_data)
        secret_changes = {k: data.pop(k, None) for k in ("credentials", "clear_credentials")}
        conn = Connection(**data)
        _apply_secrets(conn, secret_changes)
        conn.save()
        return conn

    def update(self, instance: Connection, validated_data: dict[str, Any]) -> Connection:
        data = dict(validated_data)
        secret_changes = {k: data.pop(k, None) for k in ("credentials", "clear_credentials")}
        for name, value in data.items():
            setattr(instance, name, value)
        _apply_secrets(instance, secret_changes)
        instance.save()
        return instance


def _apply_secrets(conn: Connection, changes: dict[str, Any]) -> None:
    for name in changes.get("clear_credentials") or []:
        conn.clear_secret(name)
    if changes.get("credentials"):
        conn.set_secrets(changes["credentials"])


def _credentials(
    given: dict[str, Any], spec: ConnectionSpec, attrs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check the given secrets by their spec; messages never quote a value.

    As in the configuration document, a setting the spec accepts among the credentials (the
    AWS `access_key_id`, not a secret) moves to the connection's settings.
    """
    secrets: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in given.items():
        if name in spec.settings and spec.field(name).in_credentials:
            try:
                attrs[name] = spec.field(name).clean_given(value)
            except SettingError as exc:
                errors[name] = [exc.sentence]
        elif name not in spec.secrets:
            errors[name] = [f"Unknown credential; {spec.kind} takes {', '.join(spec.secrets)}."]
        else:
            try:
                secrets[name] = spec.field(name).clean(value)
            except SettingError as exc:
                errors[name] = [exc.sentence]
    return secrets, errors


class ConnectionTestSerializer(serializers.Serializer):
    model = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Model or deployment to probe; default: a mapped one or the provider's.",
    )


class DiagnosisSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    kind = serializers.CharField()
    message = serializers.CharField()
    latency_ms = serializers.IntegerField(allow_null=True)


class ModelAliasSerializer(serializers.ModelSerializer):
    provider = ProviderKindField(read_only=True)
    default_version = SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = ModelAlias
        fields = [
            "id",
            "key",
            "provider",
            "tier",
            "capability",
            "default_version",
            "is_primary",
            "description",
        ]
        read_only_fields = fields


class AliasMappingSerializer(CleanModelSerializer):
    """One active mapping per alias: saving an active one retires the alias's previous one."""

    alias = SlugRelatedField(slug_field="key", queryset=ModelAlias.objects.all())
    connection = SlugRelatedField(
        slug_field="name", queryset=Connection.objects.select_related("provider")
    )

    class Meta:
        model = AliasMapping
        fields = ["id", "alias", "connection", "model", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators: list = []  # one active per alias is upheld by `save`, not refused

    # The one-active rule is enforced by retiring the old mapping on save, not by refusing.
    clean_kwargs = {"validate_constraints": False}

    def save(self, **kwargs: Any) -> AliasMapping:
        with transaction.atomic():
            instance = self.instance
            alias = self.validated_data.get("alias") or (instance.alias if instance else None)
            active = self.validated_data.get("is_active", instance.is_active if instance else True)
            if active:
                others = AliasMapping.objects.select_for_update().filter(
                    alias=alias, is_active=True
                )
                if self.instance is not None:
                    others = others.exclude(pk=self.instance.pk)
                for old in others:  # one by one, so each retirement is audited
                    old.is_active = False
                    old.save(update_fields=["is_active", "updated_at"])
            return super().save(**kwargs)


class HealthCheckSerializer(serializers.ModelSerializer):
    connection = SlugRelatedField(slug_field="name", read_only=True)
    triggered_by = SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = HealthCheck
        fields = [
            "id",
            "connection",
            "checked_at",
            "kind",
            "ok",
            "diagnosis",
            "message",
            "latency_ms",
            "triggered_by",
        ]
        read_only_fields = fields
