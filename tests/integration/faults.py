"""Helpers of the fault tier (`test_faults.py`): batches whose requests the sandbox can tell
apart, the ledger that sets what the provider received against what the outbound log holds,
a database proxy that can be cut, and the termination of a database's sessions.

Everything here stays on loopback: the proxy listens on 127.0.0.1 and refuses to forward to
anything but a loopback address.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

from providers.choices import OutboundState
from providers.outbound.models import OutboundRequest
from sandbox.content import prompt_digest
from sandbox.server import SandboxServer
from skills.choices import InvocationStatus
from skills.models import Invocation
from skills.services.invocations import create_invocation
from skills.services.rendering import render
from tests.skills.conftest import World

# -- batches and what became of them ----------------------------------------------------------


@dataclass
class Batch:
    """Invocations created together, each with a prompt of its own.

    The product sends no identifier of the run with a provider request, so the sandbox's log
    tells runs apart by the digest of each request's prompt (retries of a run share it).
    """

    ids: list[uuid.UUID]
    digests: dict[uuid.UUID, str]

    @classmethod
    def create(cls, world: World, label: str, n: int) -> Batch:
        ids, digests = [], {}
        for number in range(n):
            data = {"short_description": f"{label} incident {number:03d}"}
            pk = create_invocation(world.skill.key, data).pk
            ids.append(pk)
            digests[pk] = prompt_digest(render(world.variant.template, data))
        assert len(set(digests.values())) == n, "the batch's prompts must differ"
        return cls(ids, digests)

    def received(self, sandbox: SandboxServer) -> list[dict[str, Any]]:
        """The requests of this batch the sandbox has logged (once answered or dropped)."""
        ours = set(self.digests.values())
        return [r for r in sandbox.requests if r.get("prompt_digest") in ours]

    def count(self, *statuses: str) -> int:
        return Invocation.objects.filter(pk__in=self.ids, status__in=statuses).count()

    def running(self) -> set[uuid.UUID]:
        return set(
            Invocation.objects.filter(pk__in=self.ids, status=InvocationStatus.RUNNING).values_list(
                "pk", flat=True
            )
        )


def paid(row: dict[str, Any]) -> bool:
    """An outbound row of a call that was answered 2xx and whose answer was read in full."""
    code = row["status_code"]
    return (
        row["state"] == OutboundState.DONE
        and code is not None
        and 200 <= code < 300
        and not row["error"]
    )


@dataclass
class Ledger:
    """What the provider received for a batch, and what the outbound log holds for it."""

    rows: int
    rows_by_state: Counter[str]
    received: int
    faults: Counter[str]
    paid_rows: Counter[uuid.UUID]  # per invocation: rows of a 2xx answer read in full
    paid_received: Counter[uuid.UUID]  # per invocation: requests the sandbox answered 200
    unknown_rows: Counter[uuid.UUID]  # per invocation: rows whose outcome is unknown
    paid_before: Counter[uuid.UUID]  # per invocation: 200s answered before `before`

    @property
    def unknown(self) -> int:
        return self.rows_by_state[OutboundState.UNKNOWN]

    def extra_paid(self) -> dict[uuid.UUID, int]:
        """Invocations with more than one 2xx call (by either count), and how many."""
        return {
            pk: n
            for pk in set(self.paid_rows) | set(self.paid_received)
            if (n := max(self.paid_rows[pk], self.paid_received[pk])) > 1
        }

    def mismatched_answers(self) -> dict[uuid.UUID, tuple[int, int, int]]:
        """Invocations whose 2xx answers the sandbox and the log count differently:
        (answered by the sandbox, 2xx rows in the log, `unknown` rows in the log)."""
        return {
            pk: (self.paid_received[pk], self.paid_rows[pk], self.unknown_rows[pk])
            for pk in set(self.paid_rows) | set(self.paid_received)
            if self.paid_received[pk] != self.paid_rows[pk]
        }


def ledger(batch: Batch, sandbox: SandboxServer, *, before: float | None = None) -> Ledger:
    """Read both sides for `batch`. `before` (epoch seconds) also counts the 200s the sandbox
    answered before that moment."""
    by_digest = {digest: pk for pk, digest in batch.digests.items()}
    received = batch.received(sandbox)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in OutboundRequest.objects.filter(invocation_id__in=batch.ids).values(
            "invocation_id", "state", "status_code", "error"
        )
    ]
    ok = [r for r in received if r["status"] == 200]
    return Ledger(
        rows=len(rows),
        rows_by_state=Counter(r["state"] for r in rows),
        received=len(received),
        faults=Counter(r["fault"] for r in received if r["fault"]),
        paid_rows=Counter(r["invocation_id"] for r in rows if paid(r)),
        paid_received=Counter(by_digest[r["prompt_digest"]] for r in ok),
        unknown_rows=Counter(
            r["invocation_id"] for r in rows if r["state"] == OutboundState.UNKNOWN
        ),
        paid_before=Counter(
            by_digest[r["prompt_digest"]] for r in ok if before is not None and r["time"] < before
        ),
    )


def settle(batch: Batch, sandbox: SandboxServer, timeout: float = 10, quiet: float = 0.5) -> None:
    """Wait until the sandbox has logged the batch's requests.

    It logs a request when it is done with it, which for a hung one is after the client gave
    up: wait until it has logged at least as many as the outbound log completed, and then
    until nothing new arrives for `quiet` seconds.
    """
    done = OutboundRequest.objects.filter(
        invocation_id__in=batch.ids, state=OutboundState.DONE
    ).count()
    end = time.monotonic() + timeout
    seen, since = -1, time.monotonic()
    while time.monotonic() < end:
        now = len(batch.received(sandbox))
        if now != seen:
            seen, since = now, time.monotonic()
        elif now >= done and time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


def wait_for(
    predicate: Callable[[], bool], timeout: float, *, on_tick: Callable[[], Any] | None = None
) -> bool:
    """Poll `predicate` every 0.1 s (calling `on_tick` at most once a second) until it holds."""
    end, last_tick = time.monotonic() + timeout, 0.0
    while True:
        if predicate():
            return True
        if time.monotonic() >= end:
            return False
        if on_tick is not None and time.monotonic() - last_tick >= 1:
            on_tick()
            last_tick = time.monotonic()
        time.sleep(0.1)


# -- the database's side ----------------------------------------------------------------------


def terminate_backends() -> int:
    """`pg_terminate_backend` every other session on this connection's database (the worker's,
    its heartbeat's); returns how many were ended."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _is_loopback(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


class DbProxy:
    """A TCP proxy on 127.0.0.1 in front of the database server of a DATABASE_URL.

    `cut()` makes the database unreachable through it: every proxied connection is closed and
    the port stops listening, so new connections are refused, until `restore()` listens on
    the same port again. It runs its own event loop in a thread; use it as a context manager.
    """

    def __init__(self, database_url: str) -> None:
        parts = urlsplit(database_url)
        host, port = parts.hostname or "", parts.port or 5432
        if not _is_loopback(host):
            raise ValueError(f"the proxy forwards to loopback only, not to {host!r}")
        self.upstream = (host, port)
        self._parts = parts
        self.port = 0
        self.accepted = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="db-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._cut = False

    @property
    def url(self) -> str:
        """The DATABASE_URL through the proxy (same credentials and database)."""
        userinfo, at, _ = self._parts.netloc.rpartition("@")
        return urlunsplit(self._parts._replace(netloc=f"{userinfo}{at}127.0.0.1:{self.port}"))

    def _run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        for delay in (0, 0.05, 0.2, 0.5, 1):  # the port was ours a moment ago
            await asyncio.sleep(delay)
            try:
                self._server = await asyncio.start_server(
                    self._serve, "127.0.0.1", self.port, reuse_address=True
                )
                break
            except OSError:
                if delay == 1 or not self.port:
                    raise
        assert self._server is not None
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.transport.abort()
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        if self._cut:  # cut while this one was connecting
            writer.transport.abort()
            up_writer.transport.abort()
            return
        pair = (writer, up_writer)
        self._pairs.add(pair)
        pipes = [
            asyncio.ensure_future(_pipe(reader, up_writer)),
            asyncio.ensure_future(_pipe(up_reader, writer)),
        ]
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pipes:
                task.cancel()
            self._pairs.discard(pair)
            for end in pair:
                end.close()

    async def _cut_all(self) -> int:
        self._cut = True
        if self._server is not None:
            self._server.close()  # the listening socket goes: new connections are refused
            self._server = None
        pairs = list(self._pairs)
        for pair in pairs:
            for end in pair:
                end.transport.abort()
        return len(pairs)

    async def _restore(self) -> None:
        self._cut = False
        await self._listen()

    def start(self) -> DbProxy:
        self._thread.start()
        self._run(self._listen())
        return self

    def cut(self) -> int:
        """Close every proxied connection and stop listening; returns how many were closed."""
        return int(self._run(self._cut_all()))

    def restore(self) -> None:
        self._run(self._restore())

    def stop(self) -> None:
        if self._thread.is_alive():
            self._run(self._cut_all())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def __enter__(self) -> DbProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Findings:
    """The checks of one scenario, recorded rather than asserted one by one, so that a failure
    names every guarantee that broke, with the figures behind it."""

    def __init__(self) -> None:
        self.figures: list[str] = []
        self.problems: list[str] = []
        self.part = ""  # the part of the scenario being checked, named in what is recorded

    def note(self, figure: str) -> None:
        self.figures.append(self.part + figure)

    def check(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(self.part + problem)

    def verdict(self, logs: str = "") -> None:
        """Fail with every problem found; the figures are printed either way (`pytest -rP`)."""
        report = "\n".join(["", *self.problems, "figures:", *self.figures])
        print(report)
        assert not self.problems, report + (f"\nworker log:\n{logs}" if logs else "")
