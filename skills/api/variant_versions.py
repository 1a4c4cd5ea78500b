"""Publishing and rolling back prompt variants (no service owns this yet).

A (skill, provider, name) has at most one published version. Publishing a draft, or rolling
back to an archived version, archives the one published before it in the same transaction,
so history is kept and the live version changes atomically. The new live version stays the
default if the one it replaces was the default, so resolution never loses its variant.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from skills.choices import VariantStatus
from skills.models import SkillVariant


class VariantStateError(ValueError):
    """The variant is not in a state the action applies to."""


def publish(variant: SkillVariant) -> SkillVariant:
    """Make a draft the live version."""
    return _make_live(variant, expected=VariantStatus.DRAFT, verb="publish")


def rollback(variant: SkillVariant) -> SkillVariant:
    """Make an archived (earlier) version live again."""
    return _make_live(variant, expected=VariantStatus.ARCHIVED, verb="roll back to")


@transaction.atomic
def _make_live(variant: SkillVariant, *, expected: str, verb: str) -> SkillVariant:
    variant = SkillVariant.objects.select_for_update().get(pk=variant.pk)
    if variant.status != expected:
        raise VariantStateError(f"Only a {expected} variant can be used to {verb}.")
    same_provider = (
        Q(provider_id=variant.provider_id) if variant.provider_id else Q(provider__isnull=True)
    )
    live = SkillVariant.objects.select_for_update().filter(
        same_provider,
        skill_id=variant.skill_id,
        name=variant.name,
        status=VariantStatus.PUBLISHED,
    )
    was_default = variant.is_default
    for old in live:  # archive first: the one-published constraint is checked per row
        was_default = was_default or old.is_default
        old.status = VariantStatus.ARCHIVED
        old.is_default = False
        old.save(update_fields=["status", "is_default"])
    variant.status = VariantStatus.PUBLISHED
    variant.is_default = was_default
    variant.published_at = timezone.now()
    variant.save(update_fields=["status", "is_default", "published_at"])
    return variant
