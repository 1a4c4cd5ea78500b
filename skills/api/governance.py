"""Governance endpoints: Guardian settings, data patterns, privacy policies, allowed providers
and budgets. Data stewards and administrators write them; auditors read them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from core.api import CleanModelSerializer, CrudViewSet, SlugRelatedField
from providers.api.serializers import ProviderKindField
from providers.models import Connection
from skills.models import (
    Budget,
    DataPattern,
    GuardrailSetting,
    PrivacyPolicy,
    ProviderAllowance,
    Skill,
)
from skills.models.governance import MAX_LIST
from skills.services import budgets


def _skill(**kwargs: Any) -> SlugRelatedField:
    return SlugRelatedField(slug_field="key", queryset=Skill.objects.all(), **kwargs)


def _names(**kwargs: Any) -> serializers.ListField:
    """A list of short names: any other JSON is a field error, never a model's problem."""
    return serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=MAX_LIST, **kwargs
    )


class GovernanceViewSet(CrudViewSet):
    read_capability = "view_governance"
    write_capability = "govern"


class GuardrailSettingSerializer(CleanModelSerializer):
    skill = _skill(required=False, allow_null=True)

    class Meta:
        model = GuardrailSetting
        fields = ["id", "scope", "skill", "kind", "mode", "detector"]
        validators: list = []


class GuardrailSettingViewSet(GovernanceViewSet):
    """Now Assist Guardian: each check off, logged or blocking, per instance or per skill."""

    queryset = GuardrailSetting.objects.select_related("skill").order_by("scope", "id")
    serializer_class = GuardrailSettingSerializer
    filterset_fields = ["scope", "kind", "mode"]


class DataPatternSerializer(CleanModelSerializer):
    class Meta:
        model = DataPattern
        fields = ["id", "key", "label", "regex", "is_active"]
        validators: list = []


class DataPatternViewSet(GovernanceViewSet):
    """Custom data patterns (regular expressions) that privacy policies may mask."""

    queryset = DataPattern.objects.order_by("key")
    serializer_class = DataPatternSerializer
    filterset_fields = ["is_active"]


class PrivacyPolicySerializer(CleanModelSerializer):
    skill = _skill(required=False, allow_null=True)
    provider = ProviderKindField(required=False, allow_null=True)
    patterns = _names(required=False)
    name_fields = _names(required=False)

    class Meta:
        model = PrivacyPolicy
        fields = [
            "id",
            "name",
            "scope",
            "skill",
            "provider",
            "patterns",
            "name_fields",
            "is_active",
        ]
        validators: list = []


class PrivacyPolicyViewSet(GovernanceViewSet):
    """Data privacy: which personal data is masked before a prompt leaves, and where."""

    queryset = PrivacyPolicy.objects.select_related("skill", "provider").order_by("name")
    serializer_class = PrivacyPolicySerializer
    filterset_fields = ["scope", "is_active"]


class ProviderAllowanceSerializer(CleanModelSerializer):
    skill = _skill(required=False, allow_null=True)
    provider = ProviderKindField()
    regions = _names(required=False)

    class Meta:
        model = ProviderAllowance
        fields = ["id", "scope", "skill", "provider", "regions", "is_active"]
        validators: list = []


class ProviderAllowanceViewSet(GovernanceViewSet):
    """Allowed model providers (and regions) per instance and per skill."""

    queryset = ProviderAllowance.objects.select_related("skill", "provider").order_by("scope", "id")
    serializer_class = ProviderAllowanceSerializer
    filterset_fields = ["scope", "is_active"]


class BudgetSerializer(CleanModelSerializer):
    provider = ProviderKindField(required=False, allow_null=True)
    connection = SlugRelatedField(
        slug_field="name", queryset=Connection.objects.all(), required=False, allow_null=True
    )
    skill = _skill(required=False, allow_null=True)
    user = SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )
    limit = serializers.DecimalField(
        max_digits=16, decimal_places=6, min_value=budgets.SMALLEST, max_value=budgets.LARGEST
    )
    used = serializers.SerializerMethodField()
    reserved = serializers.SerializerMethodField()

    class Meta:
        model = Budget
        fields = [
            "id",
            "name",
            "scope",
            "provider",
            "connection",
            "skill",
            "user",
            "period",
            "metric",
            "limit",
            "soft_percent",
            "is_active",
            "used",
            "reserved",
        ]
        validators: list = []

    def get_used(self, budget: Budget) -> str:
        """Settled usage in the current period."""
        return str(self._standing(budget).used)

    def get_reserved(self, budget: Budget) -> str:
        """Held by calls in flight in the current period."""
        return str(self._standing(budget).reserved)

    def _standing(self, budget: Budget) -> budgets.Standing:
        """Read once per budget and response (`used` and `reserved` share it)."""
        cache: dict[int, budgets.Standing] = self.__dict__.setdefault("_standings", {})
        if budget.pk not in cache:
            cache[budget.pk] = budgets.standings([budget])[0]
        return cache[budget.pk]


class BudgetViewSet(GovernanceViewSet):
    """Spend and token budgets per instance, provider, connection, skill or user."""

    queryset = Budget.objects.select_related("provider", "connection", "skill", "user").order_by(
        "name"
    )
    serializer_class = BudgetSerializer
    filterset_fields = ["scope", "period", "metric", "is_active"]
