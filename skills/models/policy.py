"""Which provider serves a skill, version overrides, rate limits and prices."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from providers.models import ModelVersion, Provider
from skills.choices import (
    OverrideScope,
    PolicyScope,
    RateLimitResource,
    RateLimitRuleType,
    SkillGroup,
)
from skills.models.catalog import Skill, SkillVariant


class ModelProviderPolicy(models.Model):
    """*Manage model providers*: the instance default, or a skill-group / skill customisation."""

    scope = models.CharField(max_length=12, choices=PolicyScope.choices)
    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.CASCADE, related_name="provider_policies"
    )
    skill_group = models.CharField(max_length=16, choices=SkillGroup.choices, blank=True)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="policies")
    fallback_provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.PROTECT, related_name="fallback_policies"
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "model provider policies"
        constraints = [
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(scope=PolicyScope.INSTANCE),
                name="policy_one_instance",
            ),
            models.UniqueConstraint(
                fields=["skill"], condition=Q(scope=PolicyScope.SKILL), name="policy_one_per_skill"
            ),
            models.UniqueConstraint(
                fields=["skill_group"],
                condition=Q(scope=PolicyScope.SKILL_GROUP),
                name="policy_one_per_group",
            ),
            models.CheckConstraint(
                condition=(
                    Q(scope=PolicyScope.INSTANCE, skill__isnull=True, skill_group="")
                    | Q(scope=PolicyScope.SKILL, skill__isnull=False, skill_group="")
                    | (Q(scope=PolicyScope.SKILL_GROUP, skill__isnull=True) & ~Q(skill_group=""))
                ),
                name="policy_scope_target",
            ),
            models.CheckConstraint(
                condition=~Q(fallback_provider=models.F("provider")),
                name="policy_fallback_differs",
            ),
        ]

    def __str__(self) -> str:
        targets: dict[str, str] = {
            PolicyScope.INSTANCE: "instance",
            PolicyScope.SKILL: f"skill {self.skill.key if self.skill else '?'}",
            PolicyScope.SKILL_GROUP: f"group {self.skill_group}",
        }
        target = targets.get(self.scope, self.scope)
        return f"{target} → {self.provider}"


class VersionOverride(models.Model):
    """*Version Management*: a target model version and/or variant replacing the default."""

    scope = models.CharField(max_length=10, choices=OverrideScope.choices)
    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.CASCADE, related_name="version_overrides"
    )
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text="Blank: applies whichever provider serves the skill.",
    )
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="overrides"
    )
    variant_name = models.SlugField(
        max_length=60, blank=True, help_text="Name of the skill variant to use instead of default."
    )
    is_active = models.BooleanField(default=True)
    reason = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(model_version__isnull=False) | ~Q(variant_name=""),
                name="override_has_target",
            ),
            models.CheckConstraint(
                condition=Q(scope=OverrideScope.INSTANCE, skill__isnull=True)
                | Q(scope=OverrideScope.SKILL, skill__isnull=False),
                name="override_scope_target",
            ),
            models.UniqueConstraint(
                fields=["skill", "provider"],
                condition=Q(is_active=True, skill__isnull=False, provider__isnull=False),
                name="override_one_per_skill_provider",
            ),
            models.UniqueConstraint(
                fields=["skill"],
                condition=Q(is_active=True, skill__isnull=False, provider__isnull=True),
                name="override_one_per_skill",
            ),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(is_active=True, skill__isnull=True, provider__isnull=False),
                name="override_one_instance_per_provider",
            ),
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(is_active=True, skill__isnull=True, provider__isnull=True),
                name="override_one_instance",
            ),
        ]

    def __str__(self) -> str:
        target = self.skill.key if self.skill else "instance"
        what = self.model_version.name if self.model_version else self.variant_name
        return f"{target} → {what}"

    def clean(self) -> None:
        errors = {}
        version = self.model_version
        if version is not None:
            if not version.selectable:
                errors["model_version"] = (
                    f"{version.name} is {version.status} and cannot be chosen."
                )
            if self.provider_id and version.provider_id != self.provider_id:
                errors["model_version"] = "The version belongs to another provider."
        skill = self.skill
        if (
            self.variant_name
            and skill is not None
            and not SkillVariant.objects.filter(skill=skill, name=self.variant_name).exists()
        ):
            errors["variant_name"] = f"{skill.key} has no variant {self.variant_name!r}."
        if errors:
            raise ValidationError(errors)


class RateLimitRule(models.Model):
    """Requests per hour per provider, capability or everything; per instance or per user."""

    resource = models.CharField(max_length=12, choices=RateLimitResource.choices)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.CASCADE)
    capability = models.CharField(max_length=16, blank=True)
    rule_type = models.CharField(max_length=10, choices=RateLimitRuleType.choices)
    requests_per_hour = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(resource=RateLimitResource.PROVIDER, provider__isnull=False)
                | Q(resource=RateLimitResource.CAPABILITY, provider__isnull=True)
                & ~Q(capability="")
                | Q(resource=RateLimitResource.ALL, provider__isnull=True, capability=""),
                name="ratelimit_resource_target",
            ),
            models.CheckConstraint(
                condition=Q(requests_per_hour__gte=1), name="ratelimit_positive"
            ),
        ]

    def __str__(self) -> str:
        target = self.provider or self.capability or "all"
        return f"{target}: {self.requests_per_hour}/h per {self.rule_type}"


class ModelPrice(models.Model):
    """Price per million tokens for a provider model (editable; defaults seeded)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="prices")
    model_pattern = models.CharField(
        max_length=200, help_text="Model id or prefix (e.g. gpt-4.1 matches gpt-4.1-2025-04-14)."
    )
    input_per_million = models.DecimalField(max_digits=10, decimal_places=4)
    output_per_million = models.DecimalField(max_digits=10, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["provider__name", "model_pattern"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "model_pattern"], name="price_unique"),
            models.CheckConstraint(
                condition=Q(input_per_million__gte=0, output_per_million__gte=0),
                name="price_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider.kind}:{self.model_pattern}"

    def clean(self) -> None:
        if not self.model_pattern.strip():
            raise ValidationError({"model_pattern": "Required."})
