"""The controls a call passes before it leaves for a provider (Now Assist Admin's settings).

- `ProviderAllowance`: AI Control Tower's allowed model providers, and (for Bedrock and
  Vertex AI) their regions, per instance and per skill.
- `GuardrailSetting`: Now Assist Guardian's checks (prompt injection, offensiveness,
  sensitive topics), each off, logged or blocking, per instance or per skill.
- `DataPattern` and `PrivacyPolicy`: data privacy, the personal data masked in a prompt
  before it is sent and restored in the answer, per instance or skill and per provider.

Budgets, which also hold usage counters, are in `skills.models.budgets`.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from providers.choices import ProviderKind
from providers.grammar import AWS_REGION, VERTEX_LOCATION
from providers.models import Provider
from skills.choices import GovernanceScope, GuardrailKind, GuardrailMode
from skills.models.catalog import Skill

#: The providers whose connections name a region (Bedrock's region, Vertex AI's location).
REGIONAL_KINDS = frozenset({ProviderKind.AWS_BEDROCK, ProviderKind.GOOGLE_GEMINI})
_REGION = re.compile(rf"{AWS_REGION}|{VERTEX_LOCATION}")
MAX_LIST = 50


def _scope_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(scope=GovernanceScope.INSTANCE, skill__isnull=True)
        | Q(scope=GovernanceScope.SKILL, skill__isnull=False),
        name=name,
    )


def _clean_scope(row: Any) -> dict[str, str]:
    if row.scope == GovernanceScope.SKILL and row.skill_id is None:
        return {"skill": "Choose the skill this applies to."}
    if row.scope == GovernanceScope.INSTANCE and row.skill_id is not None:
        return {"skill": "An instance-wide setting names no skill."}
    return {}


def _string_list(value: object, field: str, check: re.Pattern[str] | None = None) -> list[str]:
    """A list of distinct short strings, or a ValidationError naming `field`."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({field: "Must be a list of names."})
    if len(value) > MAX_LIST:
        raise ValidationError({field: f"At most {MAX_LIST} entries."})
    cleaned = [v.strip() for v in value if v.strip()]
    bad = [v for v in cleaned if len(v) > 64 or (check is not None and not check.fullmatch(v))]
    if bad:
        raise ValidationError({field: f"Not valid here: {', '.join(sorted(bad)[:5])}."})
    return sorted(set(cleaned))


class ProviderAllowance(models.Model):
    """One provider an instance (or one skill) may send prompts to, optionally by region.

    With no active allowance at a scope, that scope allows every provider. Once one exists,
    only the providers listed there may serve; a skill's own list applies on top of the
    instance's, never instead of it.
    """

    scope = models.CharField(max_length=10, choices=GovernanceScope.choices)
    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.CASCADE, related_name="allowances"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="allowances")
    regions = models.JSONField(
        default=list,
        blank=True,
        help_text="Bedrock regions or Vertex AI locations allowed (e.g. eu-central-1, "
        "europe-west4); empty allows every region.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["scope", "skill__key", "provider__name"]
        constraints = [
            _scope_constraint("allowance_scope_skill"),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(scope=GovernanceScope.INSTANCE),
                name="allowance_instance_unique",
            ),
            models.UniqueConstraint(fields=["skill", "provider"], name="allowance_skill_unique"),
        ]

    def __str__(self) -> str:
        where = self.skill.key if self.skill_id and self.skill else "instance"
        regions = f" in {', '.join(self.regions)}" if self.regions else ""
        return f"{where}: {self.provider.kind if self.provider_id else '?'}{regions}"

    def clean(self) -> None:
        errors = _clean_scope(self)
        try:
            self.regions = _string_list(self.regions, "regions", _REGION)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        if self.regions and self.provider_id and self.provider.kind not in REGIONAL_KINDS:
            errors["regions"] = (
                f"{self.provider.name} connections name no region; leave regions empty."
            )
        if errors:
            raise ValidationError(errors)


class GuardrailSetting(models.Model):
    """One Guardian check at one scope: off, logged on the trace, or blocking the call."""

    scope = models.CharField(max_length=10, choices=GovernanceScope.choices)
    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.CASCADE, related_name="guardrails"
    )
    kind = models.CharField(max_length=20, choices=GuardrailKind.choices)
    mode = models.CharField(max_length=8, choices=GuardrailMode.choices, default=GuardrailMode.LOG)
    detector = models.CharField(
        max_length=200,
        blank=True,
        help_text="Dotted path of a detector to use instead of the built-in one (for "
        "example a classifier called through your own connection).",
    )

    class Meta:
        ordering = ["scope", "skill__key", "kind"]
        constraints = [
            _scope_constraint("guardrail_scope_skill"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(scope=GovernanceScope.INSTANCE),
                name="guardrail_instance_unique",
            ),
            models.UniqueConstraint(fields=["skill", "kind"], name="guardrail_skill_unique"),
        ]

    def __str__(self) -> str:
        where = self.skill.key if self.skill_id and self.skill else "instance"
        return f"{where}: {self.kind} {self.mode}"

    def clean(self) -> None:
        errors = _clean_scope(self)
        if self.detector and not re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", self.detector):
            errors["detector"] = "Must be a dotted path such as myorg.guards.Classifier."
        if errors:
            raise ValidationError(errors)


class DataPattern(models.Model):
    """An organisation's own kind of personal data, as a regular expression."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    regex = models.CharField(max_length=500)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.label or self.key

    def clean(self) -> None:
        from skills.governance.custom import custom_pattern
        from skills.governance.errors import GovernanceError
        from skills.governance.patterns import BUILTIN_PATTERNS

        if self.key in BUILTIN_PATTERNS:
            raise ValidationError({"key": "This key is a built-in pattern's; choose another."})
        try:
            custom_pattern(self.key or "custom", self.label or self.key, self.regex)
        except (GovernanceError, ValueError) as exc:
            raise ValidationError({"regex": getattr(exc, "message", str(exc))}) from None


class PrivacyPolicy(models.Model):
    """Which personal data is masked before a prompt leaves, for which skills and providers.

    Like the original's data channels: instance-wide or for one skill, for every provider or
    one. Every active policy that applies to a call adds its patterns.
    """

    name = models.CharField(max_length=100, unique=True)
    scope = models.CharField(max_length=10, choices=GovernanceScope.choices)
    skill = models.ForeignKey(
        Skill, null=True, blank=True, on_delete=models.CASCADE, related_name="privacy_policies"
    )
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="privacy_policies",
        help_text="Empty: every provider.",
    )
    patterns = models.JSONField(
        default=list, blank=True, help_text="Keys of built-in or custom data patterns."
    )
    name_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Fields of the record holding person names (e.g. caller, assigned_to).",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "privacy policies"
        constraints = [_scope_constraint("privacy_scope_skill")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from skills.governance.patterns import BUILTIN_PATTERNS

        errors = _clean_scope(self)
        try:
            self.patterns = _string_list(self.patterns, "patterns")
            self.name_fields = _string_list(
                self.name_fields, "name_fields", re.compile(r"[a-z_][a-z0-9_]*")
            )
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        else:
            custom = set(DataPattern.objects.filter(key__in=self.patterns).values_list("key"))
            unknown = [p for p in self.patterns if p not in BUILTIN_PATTERNS and (p,) not in custom]
            if unknown:
                errors["patterns"] = f"Unknown data pattern: {', '.join(unknown[:5])}."
            if not self.patterns and not self.name_fields:
                errors["patterns"] = "Choose at least one data pattern or name field."
        if errors:
            raise ValidationError(errors)
