"""The configuration generation: a counter every configuration save increments."""

from __future__ import annotations

from django.db import models
from django.db.models import F

ROW = 1


class ConfigGeneration(models.Model):
    """One row. Processes that cache configuration compare it with the value they cached
    under (see skills.services.resolution_cache), so a change made by any process reaches
    all of them without each re-reading the configuration itself."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "configuration generation"

    def __str__(self) -> str:
        return f"configuration generation {self.value}"

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=ROW).values_list("value", flat=True).first() or 0

    @classmethod
    def bump(cls) -> None:
        """Count one change; commits with the saving transaction, if there is one."""
        if not cls.objects.filter(pk=ROW).update(value=F("value") + 1):
            cls.objects.get_or_create(pk=ROW, defaults={"value": 1})
