"""An invocation's answer written to its row as it streams, for the console to show live.

A run started from the console streams its provider call; each text delta is restored from
the call's privacy vault (a placeholder split across two deltas is held back until it is
whole) and the answer so far is written to the row at most every `EVERY` seconds, guarded by
the claim, so the console's polling shows it growing. The finishing UPDATE writes the whole
answer as any run does; a partial write that fails is skipped, never the run.
"""

from __future__ import annotations

import logging
import time

from core import unitofwork
from skills.choices import InvocationStatus
from skills.models import Invocation
from skills.services.governance import Gate

logger = logging.getLogger(__name__)
EVERY = 0.25  # seconds between two writes of the answer so far


class LiveOutput:
    """A `StreamListener` that keeps an invocation's `output` up to date while it streams."""

    def __init__(self, invocation: Invocation, token: str, gate: Gate) -> None:
        self.rows = Invocation.objects.filter(
            pk=invocation.pk, status=InvocationStatus.RUNNING, claimed_by=token
        )
        self.gate = gate
        self.parts: list[str] = []
        self.written_at = 0.0
        self.restorer = gate.stream_restorer()

    def begin(self) -> None:
        """A new attempt: its answer replaces whatever an earlier one streamed."""
        self.parts = []
        self.restorer = self.gate.stream_restorer()
        self._write()

    def feed(self, delta: str) -> None:
        self.parts.append(self.restorer.feed(delta) if self.restorer is not None else delta)
        if time.monotonic() - self.written_at >= EVERY:
            self._write()

    def _write(self) -> None:
        self.written_at = time.monotonic()
        try:
            self.rows.update(output="".join(self.parts))
        except unitofwork.DATABASE_UNAVAILABLE:
            logger.warning("could not write a streamed answer so far; the result will follow")
