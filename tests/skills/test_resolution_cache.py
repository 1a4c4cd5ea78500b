"""The per-process configuration cache: kept until the configuration changes, here or in any
other process (through the configuration generation)."""

from __future__ import annotations

import time

from django.db.models import F

from skills.models import ConfigGeneration
from skills.services import resolution_cache
from skills.services.resolution_cache import cached_resolve
from tests.skills.conftest import World


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


def test_a_value_read_before_the_configuration_changed_is_not_kept(world: World, settings) -> None:
    """A thread that read the old rows and finishes after another thread cleared the cache
    (a change seen meanwhile) must not store them: they would be served until the next
    change, or MAX_AGE."""
    settings.SKILLS_RESOLUTION_CACHE_SECONDS = 5
    reads = []

    def read_rules() -> int:
        reads.append(1)
        if len(reads) == 1:
            # Meanwhile another process changes the configuration, and another thread of
            # this one looks at the generation and clears the cache.
            ConfigGeneration.objects.update(value=F("value") + 1)
            resolution_cache._look_for_changes(time.monotonic(), 0)
        return len(reads)

    assert resolution_cache._memo(("rules",), read_rules) == 1
    assert resolution_cache._memo(("rules",), read_rules) == 2  # read again, not the old value
    assert resolution_cache._memo(("rules",), read_rules) == 2  # kept: nothing changed meanwhile
