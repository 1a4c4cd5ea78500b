"""Skill catalogue and configuration endpoints; runs live in skills.api.runs."""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import CrudViewSet, ReadOnlyViewSet, ReadUpdateViewSet
from skills import filtersets
from skills.api.serializers import (
    AgentSerializer,
    ModelProviderPolicySerializer,
    SkillSerializer,
    SkillVariantSerializer,
    VersionOverrideSerializer,
)
from skills.choices import VariantStatus
from skills.models import Agent, ModelProviderPolicy, Skill, SkillVariant, VersionOverride
from skills.services import variants


class SkillViewSet(ReadUpdateViewSet):
    """Skills by key; PATCH `is_active` turns one on or off."""

    queryset = Skill.objects.all()
    serializer_class = SkillSerializer
    filterset_class = filtersets.SkillFilter
    lookup_field = "key"


class SkillVariantViewSet(CrudViewSet):
    """Prompt variants: edit drafts, then `publish`; `rollback` republishes an archived one."""

    queryset = SkillVariant.objects.select_related("skill", "provider", "created_by")
    serializer_class = SkillVariantSerializer
    filterset_class = filtersets.SkillVariantFilter

    def perform_destroy(self, instance: models.Model) -> None:
        assert isinstance(instance, SkillVariant)
        if instance.status != VariantStatus.DRAFT:
            raise ValidationError({"status": ["Only drafts can be deleted; history is kept."]})
        super().perform_destroy(instance)

    @extend_schema(request=None, responses=SkillVariantSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Make this draft live; the previously published version is archived."""
        return self._transition(variants.publish)

    @extend_schema(request=None, responses=SkillVariantSerializer)
    @action(detail=True, methods=["post"])
    def rollback(self, request: Request, pk: str | None = None) -> Response:
        """Make this archived version live again; the current one is archived."""
        return self._transition(variants.rollback)

    def _transition(self, change: object) -> Response:
        variant = self.get_object()
        try:
            with self.audited():
                variant = change(variant)  # type: ignore[operator]
        except variants.VariantStateError as exc:
            raise ValidationError({"status": [str(exc)]}) from exc
        return Response(self.get_serializer(variant).data)


class ModelProviderPolicyViewSet(CrudViewSet):
    """*Manage model providers*: the instance default and per-group / per-skill choices."""

    queryset = ModelProviderPolicy.objects.select_related(
        "skill", "provider", "fallback_provider"
    ).order_by("scope", "id")
    serializer_class = ModelProviderPolicySerializer
    filterset_fields = ["scope", "is_active"]


class VersionOverrideViewSet(CrudViewSet):
    """*Version Management*: model version and/or variant overrides."""

    queryset = VersionOverride.objects.select_related(
        "skill", "provider", "model_version"
    ).order_by("scope", "id")
    serializer_class = VersionOverrideSerializer
    filterset_fields = ["scope", "is_active"]


class AgentViewSet(ReadOnlyViewSet):
    """AI agents and their tools, by key."""

    queryset = Agent.objects.select_related("provider").prefetch_related("tools")
    serializer_class = AgentSerializer
    lookup_field = "key"
