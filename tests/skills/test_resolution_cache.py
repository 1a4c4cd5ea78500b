"""The per-process configuration cache: kept until the configuration changes, here or in any
other process (through the configuration generation)."""

from __future__ import annotations

import time

from django.db.models import F

from skills.models import ConfigGeneration
from skills.services.resolution_cache import cached_resolve

from .conftest import World


def test_a_configuration_save_counts_a_generation(world: World) -> None:
    before = ConfigGeneration.current()
    world.variant.max_tokens = 300
    world.variant.save()
    world.mapping.delete()
    assert ConfigGeneration.current() == before + 2


def test_a_cached_resolution_outlives_the_look_interval_while_nothing_changes(
    world: World, settings, django_assert_num_queries
) -> None:
    settings.SKILLS_RESOLUTION_CACHE_SECONDS = 0.5
    first = cached_resolve(world.skill)
    time.sleep(0.6)
    with django_assert_num_queries(1):  # the look at the generation, nothing else
        again = cached_resolve(world.skill)
    assert again.model == first.model


def test_a_change_made_by_another_process_is_seen_at_the_next_look(
    world: World, settings, django_assert_num_queries
) -> None:
    settings.SKILLS_RESOLUTION_CACHE_SECONDS = 0.5
    assert cached_resolve(world.skill).model == "gpt4o-prod"
    # Another process renames the deployment: its rows and its generation change, and no
    # signal reaches this process.
    type(world.mapping).objects.filter(pk=world.mapping.pk).update(model="gpt4o-next")
    ConfigGeneration.objects.update(value=F("value") + 1)
    assert cached_resolve(world.skill).model == "gpt4o-prod"  # within the look interval
    time.sleep(0.6)
    assert cached_resolve(world.skill).model == "gpt4o-next"
