"""Django admin for the governance controls (editable, audited) and budget counters (read-only)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin
from skills.models import (
    Budget,
    BudgetReservation,
    BudgetUsage,
    DataPattern,
    GuardrailSetting,
    PrivacyPolicy,
    ProviderAllowance,
)


@admin.register(GuardrailSetting)
class GuardrailSettingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "scope", "skill", "kind", "mode", "detector"]
    list_filter = ["scope", "kind", "mode"]
    list_select_related = ["skill"]
    autocomplete_fields = ["skill"]


@admin.register(DataPattern)
class DataPatternAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["key", "label"]


@admin.register(PrivacyPolicy)
class PrivacyPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "skill", "provider", "patterns", "is_active"]
    list_filter = ["scope", "is_active", "provider"]
    list_select_related = ["skill", "provider"]
    autocomplete_fields = ["skill"]


@admin.register(ProviderAllowance)
class ProviderAllowanceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "scope", "skill", "provider", "regions", "is_active"]
    list_filter = ["scope", "is_active", "provider"]
    list_select_related = ["skill", "provider"]
    autocomplete_fields = ["skill"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "period", "metric", "limit", "soft_percent", "is_active"]
    list_filter = ["scope", "period", "metric", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["skill", "user"]


@admin.register(BudgetUsage)
class BudgetUsageAdmin(ReadOnlyModelAdmin):
    list_display = ["budget", "period_start", "used", "reserved", "soft_alerted_at"]
    list_filter = ["period_start"]
    list_select_related = ["budget"]


@admin.register(BudgetReservation)
class BudgetReservationAdmin(ReadOnlyModelAdmin):
    list_display = ["run_id", "usage", "amount", "created_at"]
    list_select_related = ["usage__budget"]
