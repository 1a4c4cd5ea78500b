"""What a skill invocation and an agent run share: one lifecycle, one set of columns.

A run is a row before its task is published (the database is the truth); a worker claims it
with a conditional UPDATE (`claimed_by`), keeps it alive (`heartbeat_at`), and finishes it;
the sweeper republishes or takes over the ones left behind. `skills.services.lifecycle`
holds those steps for both kinds.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import models

from providers.choices import Route
from providers.models import Connection, OutboundRequest, Provider
from skills.choices import InvocationStatus, Source


class Run(models.Model):
    """Abstract: the columns of one queued-to-finished run against a provider."""

    #: The outbound log's column naming this kind of run (the log refers to runs by id only).
    outbound_column: str = ""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        max_length=10, choices=InvocationStatus.choices, default=InvocationStatus.QUEUED
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    output = models.TextField(blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)

    resolution_trace = models.JSONField(default=list, blank=True)
    route = models.CharField(max_length=4, choices=Route.choices, blank=True)
    provider = models.ForeignKey(Provider, null=True, blank=True, on_delete=models.SET_NULL)
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL)
    model = models.CharField(max_length=200, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life from the worker running it."
    )
    enqueue_count = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When its task message was last published."
    )
    claimed_by = models.CharField(
        max_length=120,
        blank=True,
        help_text="Token of the worker run that claimed it; only that run may finish it.",
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def outbound_requests(self) -> models.QuerySet[OutboundRequest]:
        """The provider requests this run made, oldest first."""
        return OutboundRequest.objects.filter(**{self.outbound_column: self.pk}).order_by(
            "created_at", "id"
        )

    @property
    def outbound_ids(self) -> list[int]:
        """Ids of `outbound_requests`, read once (or set for a whole page by `load_outbound_ids`)."""
        ids = self.__dict__.get("_outbound_ids")
        if ids is None:
            ids = self.__dict__["_outbound_ids"] = list(
                self.outbound_requests.values_list("pk", flat=True)
            )
        return ids


def load_outbound_ids(runs: Sequence[Run]) -> None:
    """Read the outbound request ids of a page of runs of one kind in one query."""
    if not runs:
        return
    column = runs[0].outbound_column
    ids: dict[uuid.UUID, list[int]] = defaultdict(list)
    rows = (
        OutboundRequest.objects.filter(**{f"{column}__in": [run.pk for run in runs]})
        .order_by("created_at", "id")
        .values_list(column, "pk")
    )
    for run_id, pk in rows:
        ids[run_id].append(pk)
    for run in runs:
        run.__dict__["_outbound_ids"] = ids.get(run.pk, [])
