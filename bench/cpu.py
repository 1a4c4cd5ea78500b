"""CPU time per process group over a window, read from /proc (Linux, no psutil).

A snapshot holds every process's own CPU (utime + stime, all threads) and the CPU of its
children that have exited and been waited for (cutime + cstime), plus the machine's counters
from /proc/stat. A group's CPU between two snapshots is the growth of its members' time. A
member that exits inside the window is not lost when its parent is also a member: the kernel
folds the child's total into the parent's cutime + cstime when the parent reaps it (the
postmaster reaps its backends), so a connection opened and closed inside the window still
counts, and only the child's time before the window is taken off. What no process accounts
for is the machine's busy time left over; on a kernel without IRQ time accounting the
interrupt and softirq time is charged to whichever process was running, so it is in theirs.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")  # /proc counts CPU time in these ticks
TITLED = frozenset({"postgres"})  # processes whose title (cmdline) is kept: it names the database
# "postgres: 15/main: <user> <database> <host>(<port>) <activity>"; auxiliaries have no host.
PG_BACKEND = re.compile(r"^postgres: (?:[^:]+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: int  # start time in ticks after boot: the same pid with another start is another process
    comm: str
    own: int  # utime + stime
    reaped: int  # cutime + cstime
    title: str = ""


@dataclass(frozen=True)
class Machine:
    busy: int  # user + nice + system + irq + softirq (guest time is inside user)
    irq: int  # irq + softirq (also in the running process's time unless IRQ time is accounted)
    steal: int  # wanted to run, the hypervisor ran something else
    total: int  # every state, i.e. cores x elapsed ticks


@dataclass(frozen=True)
class Snapshot:
    at: float  # time.monotonic()
    procs: dict[int, Proc]
    machine: Machine

    def same(self, before: Proc) -> Proc | None:
        """This snapshot's record of the process `before` describes, if it is still alive."""
        now = self.procs.get(before.pid)
        return now if now is not None and now.start == before.start else None


@dataclass(frozen=True)
class Group:
    """Which pids of a snapshot belong to a group."""

    select: Callable[[Snapshot], set[int]]
    # Count the members' exited children (cutime + cstime): right when those children were
    # members too (a process tree, every postgres process), wrong for one process alone.
    reaped: bool = True


def take() -> Snapshot:
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (proc := _read(int(name))) is not None:
            procs[proc.pid] = proc
    return Snapshot(time.monotonic(), procs, _machine())


def _read(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        f = stat[stat.rindex(")") + 2 :].split()  # f[0] is field 3 (state) of proc(5)
        title = ""
        if comm in TITLED:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):  # gone between listdir and read
        return None
    own, reaped = int(f[11]) + int(f[12]), int(f[13]) + int(f[14])
    return Proc(pid, int(f[1]), int(f[19]), comm, own, reaped, title.strip())


def _machine() -> Machine:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return Machine(user + nice + system + irq + softirq, irq + softirq, steal, sum(values))


EVERYTHING = Group(lambda snap: set(snap.procs))


def only(pid: int) -> Group:
    """The process alone, not its children (the bench process: its children are measured apart)."""
    return Group(lambda snap: {pid} & set(snap.procs), reaped=False)


def tree(roots: Iterable[int]) -> Group:
    """The roots and all their descendants."""
    roots = tuple(roots)

    def select(snap: Snapshot) -> set[int]:
        kids: dict[int, list[int]] = defaultdict(list)
        for proc in snap.procs.values():
            kids[proc.ppid].append(proc.pid)
        found: set[int] = set()
        todo = [r for r in roots if r in snap.procs]
        while todo:
            pid = todo.pop()
            found.add(pid)
            todo += kids.get(pid, [])
        return found

    return Group(select)


def named(comm: str) -> Group:
    return Group(lambda snap: {p.pid for p in snap.procs.values() if p.comm == comm})


def pg_backends_not_of(database: str) -> Group:
    """PostgreSQL client backends connected to another database (other work on the server)."""

    def select(snap: Snapshot) -> set[int]:
        return {
            p.pid
            for p in snap.procs.values()
            if p.comm == "postgres"
            and (m := PG_BACKEND.match(p.title)) is not None
            and m.group(1) != database
        }

    return Group(select)


# Accounting.


def contributions(a: Snapshot, b: Snapshot, group: Group) -> dict[int, int]:
    """Ticks each member spent between a and b; exited members give back their time before a."""
    in_a, in_b = group.select(a), group.select(b)
    got: dict[int, int] = {}
    for pid in in_b:
        now, before = b.procs[pid], a.same(b.procs[pid])
        got[pid] = now.own - (before.own if before else 0)
        if group.reaped:
            got[pid] += now.reaped - (before.reaped if before else 0)
    if not group.reaped:
        return got
    for pid in in_a - in_b:
        gone = a.procs[pid]
        parent = a.procs.get(gone.ppid)
        # Folded into a member parent's reaped time: counted there in full, so take off the part
        # before the window. Otherwise (still alive outside the group, or reaped by an outsider)
        # its time in the window is not this group's or cannot be seen.
        if b.same(gone) is None and parent and parent.pid in in_b and b.same(parent):
            got[pid] = -(gone.own + gone.reaped)
    return got


def ticks(a: Snapshot, b: Snapshot, group: Group) -> int:
    return sum(contributions(a, b, group).values())


def own_share(a: Snapshot, b: Snapshot, pid: int) -> float:
    """CPU of one process (all its threads, not its children) as a fraction of one core."""
    before, now = a.procs.get(pid), b.procs.get(pid)
    if before is None or now is None or now.start != before.start or b.at <= a.at:
        return float("nan")
    return (now.own - before.own) / HZ / (b.at - a.at)


@dataclass(frozen=True)
class Account:
    """CPU seconds between two snapshots: per group, the rest of the processes, the machine."""

    seconds: float  # wall-clock length of the window
    groups: dict[str, float]
    other: float  # processes outside every group
    other_top: list[tuple[str, float]]  # the largest of those, by command name
    irq: float  # irq + softirq per /proc/stat (inside the processes' time without IRQ accounting)
    # Busy time no process accounts for: irq time with IRQ accounting, per-process counters
    # against the machine's tick-sampled ones, processes that exited unseen.
    residual: float
    busy_s: float  # machine busy, CPU seconds: groups + other + residual
    busy: float  # machine busy / (cores x window)
    steal: float  # hypervisor steal / (cores x window)


def account(a: Snapshot, b: Snapshot, groups: dict[str, Group], top: int = 2) -> Account:
    """Split the machine's busy time in [a, b] into the groups (disjoint), others and the kernel."""
    sec = {name: ticks(a, b, group) / HZ for name, group in groups.items()}
    members = set().union(*(g.select(a) | g.select(b) for g in groups.values()))
    per_comm: dict[str, float] = defaultdict(float)
    for pid, n in contributions(a, b, EVERYTHING).items():
        if pid not in members:
            per_comm[(b.procs.get(pid) or a.procs[pid]).comm] += n / HZ
    other = sum(per_comm.values())
    busy = (b.machine.busy - a.machine.busy) / HZ
    irq = (b.machine.irq - a.machine.irq) / HZ
    total = max(b.machine.total - a.machine.total, 1)
    return Account(
        seconds=b.at - a.at,
        groups=sec,
        other=other,
        other_top=sorted(per_comm.items(), key=lambda kv: -kv[1])[:top],
        irq=irq,
        residual=busy - other - sum(sec.values()),
        busy_s=busy,
        busy=(b.machine.busy - a.machine.busy) / total,
        steal=(b.machine.steal - a.machine.steal) / total,
    )
