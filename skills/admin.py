"""Django admin for skills, prompt variants, provider policies, agents and their logs.

Configuration models are editable (and audited through the audit trail's signals); invocations,
agent runs and usage are logs, so view-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.admin import CappedCountPaginator, ReadOnlyInline, ReadOnlyModelAdmin, pretty_json
from skills import admin_governance  # noqa: F401  (registers the governance models)
from skills.models import (
    Agent,
    AgentRun,
    AgentStep,
    AgentTool,
    ConfigGeneration,
    Invocation,
    ModelPrice,
    ModelProviderPolicy,
    RateLimitRule,
    Record,
    Skill,
    SkillVariant,
    UsageDaily,
    VersionOverride,
)


class SkillVariantInline(admin.TabularInline):
    model = SkillVariant
    fields = readonly_fields = (
        "name",
        "provider",
        "version",
        "status",
        "is_default",
        "published_at",
    )
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Variants are edited on their own page.
        return False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "group", "capability", "tier", "is_active", "is_out_of_box"]
    list_filter = ["group", "capability", "tier", "is_active", "is_out_of_box"]
    search_fields = ["key", "name", "description"]
    prepopulated_fields = {"key": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [SkillVariantInline]


@admin.register(SkillVariant)
class SkillVariantAdmin(admin.ModelAdmin):
    list_display = [
        "skill",
        "name",
        "provider",
        "version",
        "status",
        "is_default",
        "temperature",
        "max_tokens",
        "published_at",
    ]
    list_filter = ["status", "is_default", "provider", "response_format", "skill__group"]
    search_fields = ["skill__key", "skill__name", "name", "notes"]
    list_select_related = ["skill", "provider"]
    readonly_fields = ["created_by", "created_at"]
    autocomplete_fields = ["skill"]


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "short_description", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["number", "short_description"]


@admin.register(ModelProviderPolicy)
class ModelProviderPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "scope",
        "skill",
        "skill_group",
        "provider",
        "fallback_provider",
        "is_active",
    ]
    list_filter = ["scope", "provider", "is_active"]
    search_fields = ["skill__key", "skill__name"]
    list_select_related = ["skill", "provider", "fallback_provider"]
    autocomplete_fields = ["skill"]


@admin.register(VersionOverride)
class VersionOverrideAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "scope",
        "skill",
        "provider",
        "model_version",
        "variant_name",
        "is_active",
    ]
    list_filter = ["scope", "provider", "is_active"]
    search_fields = ["skill__key", "model_version__name", "variant_name", "reason"]
    list_select_related = ["skill", "provider", "model_version"]
    autocomplete_fields = ["skill"]


@admin.register(RateLimitRule)
class RateLimitRuleAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "resource",
        "provider",
        "capability",
        "rule_type",
        "requests_per_hour",
        "is_active",
    ]
    list_filter = ["resource", "rule_type", "is_active"]
    list_select_related = ["provider"]


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    list_display = [
        "model_pattern",
        "provider",
        "input_per_million",
        "output_per_million",
        "currency",
    ]
    list_filter = ["provider", "currency"]
    search_fields = ["model_pattern"]
    list_select_related = ["provider"]


class AgentToolInline(admin.StackedInline):
    model = AgentTool
    extra = 0


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "provider", "tier", "max_steps", "is_active", "updated_at"]
    list_filter = ["is_active", "tier", "provider"]
    search_fields = ["key", "name", "role"]
    list_select_related = ["provider"]
    readonly_fields = ["updated_at"]
    inlines = [AgentToolInline]


@admin.register(AgentTool)
class AgentToolAdmin(admin.ModelAdmin):
    list_display = ["name", "agent", "kind", "description"]
    list_filter = ["kind", "agent"]
    search_fields = ["name", "description", "agent__key"]
    list_select_related = ["agent"]


# -- logs (view-only) ------------------------------------------------------------------------


@admin.register(Invocation)
class InvocationAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at",
        "skill",
        "status",
        "route",
        "provider",
        "connection",
        "model",
        "total_tokens",
        "latency_ms",
        "attempts",
    ]
    list_filter = ["status", "route", "source", "provider"]
    search_fields = ["=id", "=idempotency_key", "skill__key"]
    list_select_related = ["skill", "provider", "connection"]
    date_hierarchy = "created_at"
    paginator = CappedCountPaginator
    exclude = ["resolution_trace"]
    readonly_fields = ["trace"]

    @admin.display(description="Resolution trace")
    def trace(self, obj: Invocation) -> str:
        return pretty_json(obj.resolution_trace)


class AgentStepInline(ReadOnlyInline):
    model = AgentStep
    fields = [
        "index",
        "kind",
        "tool_name",
        "ok",
        "prompt_tokens",
        "completion_tokens",
        "latency_ms",
    ]


@admin.register(AgentRun)
class AgentRunAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "agent", "status", "route", "provider", "connection", "model"]
    list_filter = ["status", "route", "source", "agent"]
    search_fields = ["=id", "agent__key", "goal"]
    list_select_related = ["agent", "provider", "connection"]
    date_hierarchy = "created_at"
    paginator = CappedCountPaginator
    inlines = [AgentStepInline]


@admin.register(AgentStep)
class AgentStepAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "run", "index", "kind", "tool_name", "ok", "latency_ms"]
    list_filter = ["kind", "ok"]
    search_fields = ["=run__id", "tool_name"]
    list_select_related = ["run", "run__agent"]
    date_hierarchy = "created_at"
    paginator = CappedCountPaginator


@admin.register(UsageDaily)
class UsageDailyAdmin(ReadOnlyModelAdmin):
    list_display = [
        "day",
        "provider",
        "connection",
        "skill",
        "model",
        "route",
        "invocations",
        "failures",
        "prompt_tokens",
        "completion_tokens",
        "cost",
    ]
    list_filter = ["route", "provider"]
    search_fields = ["model"]
    list_select_related = ["provider", "connection", "skill"]
    date_hierarchy = "day"


@admin.register(ConfigGeneration)
class ConfigGenerationAdmin(ReadOnlyModelAdmin):
    """How many configuration changes processes have been told of (see the README)."""

    list_display = ["value"]
