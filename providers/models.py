"""Providers, their connections (endpoint + encrypted credentials), and the model catalogue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from core import crypto
from core.fields import EncryptedJSONField
from providers import grammar
from providers.choices import (
    Capability,
    ConnectionOwner,
    GeminiMode,
    HealthStatus,
    IntegrationMode,
    ProviderKind,
    Tier,
    VersionStatus,
)
from providers.outbound.models import OutboundRequest
from providers.specs import SETTING_NAMES, column_length, spec_for


class Provider(models.Model):
    """One row per provider kind; holds the integration mode chosen on *Manage integration*."""

    kind = models.CharField(max_length=32, choices=ProviderKind.choices, unique=True)
    name = models.CharField(max_length=100)
    integration_mode = models.CharField(
        max_length=8, choices=IntegrationMode.choices, default=IntegrationMode.OEM
    )
    enabled = models.BooleanField(
        default=True, help_text="A disabled provider serves no skill, whatever its mode."
    )
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ProviderKind.values), name="provider_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(integration_mode__in=IntegrationMode.values),
                name="provider_mode_valid",
            ),
            # The platform's own LLM has no customer key; the generic LLM has no platform key.
            models.CheckConstraint(
                condition=~Q(kind=ProviderKind.NOW_LLM, integration_mode=IntegrationMode.BYOK),
                name="provider_now_llm_oem_only",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ProviderKind.GENERIC_LLM, integration_mode=IntegrationMode.OEM),
                name="provider_generic_byok_only",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def supports_oem(self) -> bool:
        return spec_for(self.kind).oem

    @property
    def supports_byok(self) -> bool:
        return spec_for(self.kind).byok


class Connection(models.Model):
    """A named endpoint + credentials for one provider, owned by the platform or the customer.

    Secrets live only in `secrets` (one encrypted JSON object); `secret_hints` keeps their
    masked form (`••••abcd`) so lists never need to decrypt.
    """

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="connections")
    name = models.SlugField(max_length=100, unique=True)
    owner = models.CharField(
        max_length=10, choices=ConnectionOwner.choices, default=ConnectionOwner.CUSTOMER
    )
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=255, blank=True)

    # Provider settings: their rules (label, help, choices, grammar) are in providers.specs;
    # a column's length is the longest its spec allows, so the two cannot drift apart.
    endpoint = models.URLField(
        max_length=column_length("endpoint"),
        blank=True,
        help_text="Overrides the provider's default host.",
    )
    # Azure OpenAI
    api_version = models.CharField(max_length=column_length("api_version"), blank=True)
    api_style = models.CharField(max_length=column_length("api_style"), blank=True)
    resource_path = models.CharField(
        max_length=column_length("resource_path"),
        blank=True,
        help_text="Azure custom resource path, e.g. /openai/deployments/gpt4o",
    )
    # Amazon Bedrock
    region = models.CharField(max_length=column_length("region"), blank=True)
    access_key_id = models.CharField(max_length=column_length("access_key_id"), blank=True)
    role_arn = models.CharField(max_length=column_length("role_arn"), blank=True)
    bedrock_api = models.CharField(max_length=column_length("bedrock_api"), blank=True)
    # Google Gemini
    mode = models.CharField(max_length=column_length("mode"), blank=True)
    project = models.CharField(max_length=column_length("project"), blank=True)
    location = models.CharField(max_length=column_length("location"), blank=True)
    # Generic / platform OpenAI-compatible
    header_name = models.CharField(max_length=column_length("header_name"), blank=True)

    timeout_seconds = models.PositiveIntegerField(default=60)
    secrets = EncryptedJSONField()
    secret_hints = models.JSONField(default=dict, blank=True, editable=False)
    secret_version = models.PositiveIntegerField(default=1, editable=False)

    health_status = models.CharField(
        max_length=10, choices=HealthStatus.choices, default=HealthStatus.UNKNOWN, editable=False
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_check_message = models.CharField(max_length=500, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__in=ConnectionOwner.values), name="connection_owner_valid"
            ),
            models.CheckConstraint(
                condition=Q(mode="") | Q(mode__in=GeminiMode.values), name="connection_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(timeout_seconds__gte=1, timeout_seconds__lte=600),
                name="connection_timeout_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def endpoint_host(self) -> str:
        return (urlsplit(self.endpoint).hostname or "") if self.endpoint else ""

    def deactivate(self) -> None:
        """Stop serving calls; mappings stay so reactivating restores the route (audited)."""
        if self.is_active:
            self.is_active = False
            self.save(update_fields=["is_active", "updated_at"])

    # -- secrets ---------------------------------------------------------------------------
    def _stored_secrets(self) -> dict[str, Any]:
        return dict(self.secrets)

    def _store_secrets(self, values: dict[str, Any]) -> None:
        self.secrets = values
        self.secret_hints = {name: crypto.mask(str(v)) for name, v in values.items()}
        self.secret_version = (self.secret_version or 0) + 1

    def set_secrets(self, values: dict[str, Any], *, replace: bool = False) -> None:
        """Write secrets (blank values are ignored unless `replace`); bumps the secret version.

        Write-only: callers pass new values; nothing in the console reads them back except
        the adapters.
        """
        current = {} if replace else self._stored_secrets()
        changed = replace
        for name, value in values.items():
            if value in (None, ""):
                continue
            if isinstance(value, dict):
                value = crypto.dumps(value)
            if current.get(name) != value:
                current[name] = value
                changed = True
        if changed:
            self._store_secrets(current)

    def clear_secret(self, name: str) -> None:
        current = self._stored_secrets()
        if current.pop(name, None) is not None:
            self._store_secrets(current)

    @property
    def secret_names(self) -> set[str]:
        return set(self.secret_hints)

    # -- validation --------------------------------------------------------------------------
    def clean(self) -> None:
        """The provider's rules from its spec: owner, required settings, grammar, credentials.

        Every door (admin, console, API, import) ends here, so a rule checked here holds
        whichever way a connection is written; the doors add only their own phrasing.
        """
        if not self.provider_id:
            return
        spec = spec_for(self.provider.kind)
        errors: dict[str, list[str]] = {}
        if self.owner == ConnectionOwner.PLATFORM and not spec.oem:
            errors.setdefault("owner", []).append(
                f"{self.provider.name} has no platform (OEM) connections."
            )
        if self.owner == ConnectionOwner.CUSTOMER and not spec.byok:
            errors.setdefault("owner", []).append(
                f"{self.provider.name} is platform-managed; it takes no customer connection."
            )
        values = {name: getattr(self, name) for name in SETTING_NAMES}
        errors.update(spec.setting_errors(values, self.provider.name))
        for name, why in spec.missing_settings(values):
            message = f"Required for {why}." if why else "This field is required for this provider."
            errors.setdefault(name, []).append(message)
        present = self.secret_names | {n for n in spec.settings if values.get(n)}
        if not spec.auth_satisfied(present):
            errors.setdefault("secrets", []).append(
                f"Credentials required: {spec.auth_description()}."
            )
        if errors:
            raise ValidationError(errors)


class ModelVersion(models.Model):
    """A provider model version in the catalogue (Version Management's overview)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="versions")
    name = models.CharField(max_length=120, help_text="Provider model id, e.g. gpt-4.1")
    label = models.CharField(max_length=120)
    capability = models.CharField(
        max_length=10, choices=Capability.choices, default=Capability.CHAT
    )
    status = models.CharField(
        max_length=12, choices=VersionStatus.choices, default=VersionStatus.ACTIVE
    )
    released_on = models.DateField(null=True, blank=True)
    retires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["provider__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="modelversion_unique_name"),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values), name="modelversion_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.name

    def clean(self) -> None:
        if self.provider_id and self.name:
            try:
                grammar.model_name(self.provider.kind, self.name)
            except grammar.SettingError as exc:
                raise ValidationError({"name": exc.sentence}) from None

    @property
    def selectable(self) -> bool:
        return self.status in {VersionStatus.ACTIVE, VersionStatus.RETIRING}


class ModelAlias(models.Model):
    """A console model alias (`gemini_large`), with the platform's default model version."""

    key = models.SlugField(max_length=64, unique=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="aliases")
    tier = models.CharField(max_length=8, choices=Tier.choices)
    capability = models.CharField(
        max_length=10, choices=Capability.choices, default=Capability.CHAT
    )
    default_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="default_for_aliases"
    )
    is_primary = models.BooleanField(
        default=True,
        help_text="The alias the resolver picks for this provider, tier and capability.",
    )
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "model aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "tier", "capability"],
                condition=Q(is_primary=True),
                name="modelalias_one_primary_per_tier",
            ),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="modelalias_tier"),
            models.CheckConstraint(
                condition=Q(capability__in=Capability.values), name="modelalias_capability"
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        if (
            self.default_version_id
            and self.provider_id
            and self.default_version.provider_id != self.provider_id
        ):
            raise ValidationError(
                {"default_version": "The default version must belong to the alias's provider."}
            )


class AliasMapping(models.Model):
    """BYOK: an alias served by a customer connection and a provider model / deployment."""

    alias = models.ForeignKey(ModelAlias, on_delete=models.CASCADE, related_name="mappings")
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="alias_mappings"
    )
    model = models.CharField(
        max_length=200, help_text="Provider model id or Azure deployment name."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["alias__key"]
        constraints = [
            models.UniqueConstraint(
                fields=["alias"], condition=Q(is_active=True), name="aliasmapping_one_active"
            ),
            models.CheckConstraint(condition=~Q(model=""), name="aliasmapping_model_required"),
        ]

    def __str__(self) -> str:
        return f"{self.alias.key} → {self.connection.name}/{self.model}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A mapping across providers would send one provider's traffic to another's account:
        # refuse it on every save, not only where a form calls clean().
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not (self.alias_id and self.connection_id):
            return
        errors = {}
        if self.connection.provider_id != self.alias.provider_id:
            errors["connection"] = (
                f"Connection {self.connection.name} belongs to {self.connection.provider.name}, "
                f"but alias {self.alias.key} is served by {self.alias.provider.name}."
            )
        elif self.connection.owner != ConnectionOwner.CUSTOMER:
            errors["connection"] = "Aliases map to customer (BYOK) connections only."
        else:
            try:
                grammar.model_name(self.connection.provider.kind, self.model)
            except grammar.SettingError as exc:
                errors["model"] = exc.sentence
        if errors:
            raise ValidationError(errors)


class HealthCheck(models.Model):
    """One health check or connection test of a connection (history kept)."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="health_checks"
    )
    checked_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ok = models.BooleanField()
    kind = models.CharField(max_length=16, default="health")  # health | test
    diagnosis = models.CharField(max_length=40, blank=True)
    message = models.CharField(max_length=1000, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["connection", "-checked_at"], name="healthcheck_conn_time")]

    def __str__(self) -> str:
        return f"{self.connection} {'ok' if self.ok else self.diagnosis} @ {self.checked_at:%Y-%m-%d %H:%M}"


__all__ = [
    "AliasMapping",
    "Connection",
    "HealthCheck",
    "ModelAlias",
    "ModelVersion",
    "OutboundRequest",
    "Provider",
]
