"""Skills, their prompt variants, and the sample records skills and agents work on."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from providers.choices import Tier
from providers.models import Provider
from skills.choices import RecordKind, ResponseFormat, SkillCapability, SkillGroup, VariantStatus


class Skill(models.Model):
    """A Now Assist skill: its inputs, tier and capability; prompts live in its variants."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    group = models.CharField(max_length=16, choices=SkillGroup.choices)
    capability = models.CharField(max_length=16, choices=SkillCapability.choices)
    tier = models.CharField(max_length=8, choices=Tier.choices, default=Tier.LARGE)
    record_kind = models.CharField(
        max_length=20,
        choices=RecordKind.choices,
        blank=True,
        help_text="Sample record type whose fields the prompt may use.",
    )
    # [{"name": "short_description", "label": "...", "required": true, "type": "text"}]
    input_fields = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    is_out_of_box = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.input_fields, list):
            raise ValidationError({"input_fields": "Input fields must be a list."})
        names = set()
        for i, field in enumerate(self.input_fields):
            if not isinstance(field, dict) or not str(field.get("name", "")).isidentifier():
                raise ValidationError(
                    {"input_fields": f"Field {i} needs a name made of letters, digits and _."}
                )
            if field["name"] in names:
                raise ValidationError({"input_fields": f"Field {field['name']} appears twice."})
            names.add(field["name"])


class SkillVariant(models.Model):
    """A versioned prompt configuration of a skill, optionally specific to one provider.

    Drafts are edited; publishing archives the previously published version of the same
    (skill, provider, name), so history is kept and a rollback republishes an old version.
    """

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="variants")
    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="skill_variants",
        help_text="Blank: used for any provider without its own variant.",
    )
    name = models.SlugField(max_length=60, default="default")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=VariantStatus.choices, default=VariantStatus.DRAFT
    )
    system_prompt = models.TextField(blank=True)
    template = models.TextField(help_text="Prompt template over the skill's inputs: {{ field }}.")
    temperature = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.20"))
    max_tokens = models.PositiveIntegerField(default=800)
    response_format = models.CharField(
        max_length=8, choices=ResponseFormat.choices, default=ResponseFormat.TEXT
    )
    is_default = models.BooleanField(
        default=False, help_text="The variant used when no override selects another."
    )
    notes = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["skill__key", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["skill", "provider", "name", "version"],
                name="variant_unique_version",
            ),
            models.UniqueConstraint(
                fields=["skill", "name", "version"],
                condition=Q(provider__isnull=True),
                name="variant_unique_version_anyprovider",
            ),
            models.UniqueConstraint(
                fields=["skill", "provider", "name"],
                condition=Q(status=VariantStatus.PUBLISHED),
                name="variant_one_published",
            ),
            models.UniqueConstraint(
                fields=["skill", "name"],
                condition=Q(status=VariantStatus.PUBLISHED, provider__isnull=True),
                name="variant_one_published_anyprovider",
            ),
            models.CheckConstraint(
                condition=Q(temperature__gte=0, temperature__lte=2), name="variant_temperature"
            ),
            models.CheckConstraint(
                condition=Q(max_tokens__gte=1, max_tokens__lte=200000), name="variant_max_tokens"
            ),
        ]

    def __str__(self) -> str:
        scope = self.provider.kind if self.provider else "any"
        return f"{self.skill.key}/{self.name}@{scope} v{self.version} ({self.status})"


class Record(models.Model):
    """A sample record (incident, case, …) that skills summarise and agents' tools read."""

    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    number = models.CharField(max_length=20, unique=True)
    short_description = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    fields = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        indexes = [models.Index(fields=["kind", "number"], name="record_kind_number")]

    def __str__(self) -> str:
        return f"{self.number}: {self.short_description}"
