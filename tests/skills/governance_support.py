"""What the governance tests share: routing a skill to a provider, and a detector that fails."""

from __future__ import annotations

from providers.models import Provider
from skills.choices import PolicyScope
from skills.governance.guardian import Finding
from skills.models import ModelProviderPolicy, Skill


def serve(kind: str, skill: str = "generic_prompt") -> None:
    """Route `skill` to the provider of `kind` (a skill customisation)."""
    ModelProviderPolicy.objects.update_or_create(
        scope=PolicyScope.SKILL,
        skill=Skill.objects.get(key=skill),
        defaults={"provider": Provider.objects.get(kind=kind), "is_active": True},
    )


class Exploding:
    """A detector whose classifier is down: every call to it raises."""

    name = "exploding"
    check = "prompt_injection"

    def detect(self, text: str) -> list[Finding]:
        raise RuntimeError("classifier unreachable")
