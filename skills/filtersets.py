"""The skills app's FilterSets: one per list, serving the API and the console alike.

As in netbox, a list's filters are defined once, here: the API viewset names the FilterSet
(`filterset_class`) and the console view renders its `form` (the generative AI log), so a
filter added to one shows on both, with the same names, checks and messages. Filters take
the keys people use (skill and agent keys, provider kinds), not ids.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.choices import CallableChoiceIterator

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


def _skill_choices() -> list[tuple[str, str]]:
    return [("", "Any skill"), *Skill.objects.order_by("name").values_list("key", "name")]


class InvocationFilter(django_filters.FilterSet):
    """The generative AI log's filters (the console's log page and `/invocations/`).

    A skill is matched by key, so the API answers an unknown key with no rows; the console
    offers the skills as a list, read when the form is drawn (a lazy choice list: the API
    never reads it).
    """

    skill = django_filters.CharFilter(
        field_name="skill__key",
        label="Skill",
        widget=forms.Select(choices=CallableChoiceIterator(_skill_choices)),
    )
    provider = django_filters.ChoiceFilter(
        field_name="provider__kind",
        choices=ProviderKind.choices,
        label="Provider",
        empty_label="Any provider",
    )
    status = django_filters.ChoiceFilter(
        choices=InvocationStatus.choices, label="Status", empty_label="Any status"
    )
    source = django_filters.ChoiceFilter(
        choices=Source.choices, label="Source", empty_label="Any source"
    )
    route = django_filters.ChoiceFilter(
        choices=Route.choices, label="Route", empty_label="Any route"
    )

    class Meta:
        model = Invocation
        fields = ["skill", "provider", "status", "source", "route"]


class AgentRunFilter(django_filters.FilterSet):
    agent = django_filters.CharFilter(field_name="agent__key", label="Agent")
    status = django_filters.ChoiceFilter(
        choices=InvocationStatus.choices, label="Status", empty_label="Any status"
    )

    class Meta:
        model = AgentRun
        fields = ["agent", "status"]
