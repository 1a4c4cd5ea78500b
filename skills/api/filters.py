"""FilterSets of the skill endpoints, by the keys people use."""

from __future__ import annotations

import django_filters

from providers.choices import ProviderKind, Route
from skills.choices import InvocationStatus, Source, VariantStatus
from skills.models import AgentRun, Invocation, Skill, SkillVariant


class SkillFilter(django_filters.FilterSet):
    class Meta:
        model = Skill
        fields = ["group", "capability", "tier", "is_active"]


class SkillVariantFilter(django_filters.FilterSet):
    skill = django_filters.CharFilter(field_name="skill__key")
    provider = django_filters.ChoiceFilter(
        field_name="provider__kind", choices=ProviderKind.choices
    )
    status = django_filters.ChoiceFilter(choices=VariantStatus.choices)

    class Meta:
        model = SkillVariant
        fields = ["skill", "provider", "name", "status"]


class InvocationFilter(django_filters.FilterSet):
    skill = django_filters.CharFilter(field_name="skill__key")
    provider = django_filters.ChoiceFilter(
        field_name="provider__kind", choices=ProviderKind.choices
    )
    status = django_filters.ChoiceFilter(choices=InvocationStatus.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    route = django_filters.ChoiceFilter(choices=Route.choices)

    class Meta:
        model = Invocation
        fields = ["skill", "provider", "status", "source", "route"]


class AgentRunFilter(django_filters.FilterSet):
    agent = django_filters.CharFilter(field_name="agent__key")
    status = django_filters.ChoiceFilter(choices=InvocationStatus.choices)

    class Meta:
        model = AgentRun
        fields = ["agent", "status"]
