"""Skills, prompt variants, provider policies, version overrides, invocations and agents."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import MultipleObjectsReturned
from rest_framework import serializers

from core.api import CleanModelSerializer, SlugRelatedField, request_of
from providers.api.serializers import ProviderKindField
from providers.models import ModelVersion
from skills.choices import VariantStatus
from skills.models import (
    Agent,
    AgentRun,
    AgentStep,
    AgentTool,
    Invocation,
    ModelProviderPolicy,
    Record,
    Skill,
    SkillVariant,
    VersionOverride,
)
from skills.services import variants


def _provider_field(**kwargs: Any) -> ProviderKindField:
    return ProviderKindField(**kwargs)


def _skill_field(**kwargs: Any) -> SlugRelatedField:
    return SlugRelatedField(slug_field="key", queryset=Skill.objects.all(), **kwargs)


# Read-only choice fields are plain strings in the schema: several models share a field name
# ("status", "source", "kind") over different choice sets, which would collide as enums.
def _text() -> serializers.CharField:
    return serializers.CharField(read_only=True)


class SkillSerializer(serializers.ModelSerializer):
    """Skills are catalogue rows; only `is_active` is writable through the API."""

    group = _text()

    class Meta:
        model = Skill
        fields = [
            "id",
            "key",
            "name",
            "description",
            "group",
            "capability",
            "tier",
            "record_kind",
            "input_fields",
            "is_active",
            "is_out_of_box",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f != "is_active"]


class SkillVariantSerializer(CleanModelSerializer):
    """Drafts are written here; `publish` and `rollback` change which version is live."""

    skill = _skill_field()
    provider = _provider_field(required=False, allow_null=True)
    created_by = SlugRelatedField(slug_field="username", read_only=True)
    status = _text()

    class Meta:
        model = SkillVariant
        fields = [
            "id",
            "skill",
            "provider",
            "name",
            "version",
            "status",
            "system_prompt",
            "template",
            "temperature",
            "max_tokens",
            "response_format",
            "is_default",
            "notes",
            "created_by",
            "created_at",
            "published_at",
        ]
        read_only_fields = ["version", "status", "created_by", "created_at", "published_at"]
        validators: list = []  # the model's constraints answer, after the version is chosen

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            if self.instance.status != VariantStatus.DRAFT:
                raise serializers.ValidationError(
                    {"status": ["Only drafts can be edited; create a new draft instead."]}
                )
            for name in ("skill", "provider", "name"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: ["Fixed once the draft exists; create a new draft instead."]}
                    )
        else:
            attrs["version"] = variants.next_version(
                attrs["skill"], attrs.get("provider"), attrs.get("name", "default")
            )
            request = request_of(self)
            if request is not None and request.user.is_authenticated:
                attrs["created_by"] = request.user
        return super().validate(attrs)

    def prepare(self, obj: Any, attrs: dict[str, Any]) -> None:
        """The checks the console's editor applies: field errors before the row's own."""
        if obj.skill_id is None:
            return
        errors = variants.check_variant(obj)
        if errors:
            raise serializers.ValidationError(errors)


class ModelProviderPolicySerializer(CleanModelSerializer):
    skill = _skill_field(required=False, allow_null=True)
    provider = _provider_field()
    fallback_provider = _provider_field(required=False, allow_null=True)

    class Meta:
        model = ModelProviderPolicy
        fields = [
            "id",
            "scope",
            "skill",
            "skill_group",
            "provider",
            "fallback_provider",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        validators: list = []  # the model's own constraints answer (see CleanModelSerializer)


class ModelVersionField(SlugRelatedField):
    """A model version by its provider model id; an id shared by two providers needs the pk."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="name", queryset=ModelVersion.objects.all(), **kwargs)

    def to_internal_value(self, data: Any) -> ModelVersion:
        if isinstance(data, int) or (isinstance(data, str) and data.isdigit()):
            found = ModelVersion.objects.filter(pk=int(data)).first()
            if found is not None:
                return found
        try:
            return super().to_internal_value(data)
        except MultipleObjectsReturned:
            self.fail("invalid")
        raise AssertionError("unreachable")


class VersionOverrideSerializer(CleanModelSerializer):
    skill = _skill_field(required=False, allow_null=True)
    provider = _provider_field(required=False, allow_null=True)
    model_version = ModelVersionField(required=False, allow_null=True)

    class Meta:
        model = VersionOverride
        fields = [
            "id",
            "scope",
            "skill",
            "provider",
            "model_version",
            "variant_name",
            "is_active",
            "reason",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        validators: list = []


class InvocationSerializer(serializers.ModelSerializer):
    """One run of a skill: result, route, tokens, trace and the outbound requests it made."""

    skill = SlugRelatedField(slug_field="key", read_only=True)
    requested_by = SlugRelatedField(slug_field="username", read_only=True)
    record = SlugRelatedField(slug_field="number", read_only=True)
    provider = ProviderKindField(read_only=True)
    connection = SlugRelatedField(slug_field="name", read_only=True)
    alias = SlugRelatedField(slug_field="key", read_only=True)
    outbound_requests = serializers.ListField(
        child=serializers.IntegerField(), source="outbound_ids", read_only=True
    )
    source = _text()  # type: ignore[assignment]  # the API field is named `source`

    class Meta:
        model = Invocation
        fields = [
            "id",
            "skill",
            "status",
            "source",
            "requested_by",
            "idempotency_key",
            "input",
            "record",
            "output",
            "output_json",
            "error_code",
            "error_message",
            "route",
            "provider",
            "connection",
            "alias",
            "variant",
            "model",
            "used_fallback",
            "prompt_tokens",
            "completion_tokens",
            "total_tokens",
            "cost",
            "latency_ms",
            "attempts",
            "provider_request_ids",
            "outbound_requests",
            "resolution_trace",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class InvocationRequestSerializer(serializers.Serializer):
    skill = serializers.SlugField(max_length=80, help_text="Skill key, e.g. incident_summarization")
    input = serializers.DictField(default=dict, help_text="The skill's input fields by name.")
    record = SlugRelatedField(
        slug_field="number",
        queryset=Record.objects.all(),
        required=False,
        allow_null=True,
        help_text="Number of a sample record the prompt may read, e.g. INC0010001.",
    )


class SkillErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class AgentToolSerializer(serializers.ModelSerializer):
    kind = _text()

    class Meta:
        model = AgentTool
        fields = ["name", "kind", "description", "parameters"]
        read_only_fields = fields


class AgentSerializer(serializers.ModelSerializer):
    provider = ProviderKindField(read_only=True)
    tools = AgentToolSerializer(many=True, read_only=True)

    class Meta:
        model = Agent
        fields = [
            "id",
            "key",
            "name",
            "role",
            "instructions",
            "provider",
            "tier",
            "max_steps",
            "is_active",
            "tools",
            "updated_at",
        ]
        read_only_fields = fields


class AgentStepSerializer(serializers.ModelSerializer):
    kind = _text()

    class Meta:
        model = AgentStep
        fields = [
            "index",
            "kind",
            "tool_name",
            "request",
            "response",
            "ok",
            "prompt_tokens",
            "completion_tokens",
            "latency_ms",
            "created_at",
        ]
        read_only_fields = fields


class AgentRunSerializer(serializers.ModelSerializer):
    agent = SlugRelatedField(slug_field="key", read_only=True)
    requested_by = SlugRelatedField(slug_field="username", read_only=True)
    provider = ProviderKindField(read_only=True)
    connection = SlugRelatedField(slug_field="name", read_only=True)
    steps = AgentStepSerializer(many=True, read_only=True)
    outbound_requests = serializers.ListField(
        child=serializers.IntegerField(), source="outbound_ids", read_only=True
    )
    source = _text()  # type: ignore[assignment]  # the API field is named `source`

    class Meta:
        model = AgentRun
        fields = [
            "id",
            "agent",
            "status",
            "source",
            "requested_by",
            "goal",
            "output",
            "error_message",
            "route",
            "provider",
            "connection",
            "model",
            "prompt_tokens",
            "completion_tokens",
            "resolution_trace",
            "steps",
            "outbound_requests",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class AgentRunRequestSerializer(serializers.Serializer):
    agent = serializers.SlugField(max_length=80, help_text="Agent key")
    goal = serializers.CharField(max_length=4000)
