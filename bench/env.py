"""What the benchmarks run against: the sandbox and a Celery worker as separate processes, the
broker, and one benchmark skill per provider.

The sandbox runs in its own process (not a thread of the measuring process) so its event loop
never competes with the client for the GIL; the worker is the Procfile's command with its own
queue, so a shared broker never hands its messages to another worker.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"
PROVIDER_KINDS = ("azure_openai", "aws_bedrock", "google_gemini", "generic_llm")
# The sandbox's name for each provider's protocol (fault and latency settings are per protocol).
SANDBOX_NAMES = {
    "azure_openai": "azure_openai",
    "aws_bedrock": "aws_bedrock",
    "google_gemini": "google_gemini",
    "generic_llm": "openai_compatible",
}
INPUT = {"short_description": "Printer on fire in building 4, second floor"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pick_broker() -> str:
    """CELERY_BROKER_URL if given; else Redis when it answers; else the file-system broker."""
    if os.environ.get("CELERY_BROKER_URL"):
        return os.environ["CELERY_BROKER_URL"]
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/0"
    except OSError:
        pass
    return "filesystem://"


class Sandbox:
    """`python -m sandbox` on a free port; latency set through `/_sandbox/faults`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Sandbox:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(LOG_DIR / "sandbox.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(self.port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                urllib.request.urlopen(self.url + "/_sandbox/health", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the provider sandbox did not start; see var/bench/sandbox.log")

    def set_latency(self, ms: float) -> None:
        body = json.dumps({"*": {"latency_ms": ms}}).encode()
        req = urllib.request.Request(
            self.url + "/_sandbox/faults",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(req, timeout=5).read()

    def clear_log(self) -> None:
        req = urllib.request.Request(self.url + "/_sandbox/requests", method="DELETE")
        urllib.request.urlopen(req, timeout=5).read()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        _stop(self.proc)


class Worker:
    """`celery worker --pool threads` as in the Procfile, consuming the bench queue only."""

    started = 0

    def __init__(self, concurrency: int, queue: str, prefetch: int = 2, include: str = "") -> None:
        Worker.started += 1
        self.concurrency = concurrency
        self.queue = queue
        self.prefetch = prefetch
        self.include = include  # extra task modules (the throughput floor's bare task)
        self.proc: subprocess.Popen | None = None
        self.log_path = LOG_DIR / f"worker-{Worker.started}.log"

    def start(self) -> Worker:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                str(self.concurrency),
                "--prefetch-multiplier",
                str(self.prefetch),
                "-Q",
                self.queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"bench-{uuid.uuid4().hex[:6]}@%h",
                "-l",
                "INFO",
                *(["--include", self.include] if self.include else []),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise SystemExit(f"the worker exited; see {self.log_path.relative_to(ROOT)}")
            if b" ready." in self.log_path.read_bytes():
                return self
            time.sleep(0.1)
        raise SystemExit(f"the worker did not start; see {self.log_path.relative_to(ROOT)}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        _stop(self.proc)


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) in kB of `pid` plus its children (psutil-free, Linux /proc)."""
    peak = rss = 0
    for one in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak += int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
        except OSError:
            continue
    return peak, rss


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            for child in map(int, text):
                found += [child, *_children(child)]
    except OSError:
        pass
    return found


def bench_skills() -> dict[str, str]:
    """One skill per provider (a skill-scope policy picks the provider): kind → skill key."""
    from providers.models import Provider
    from skills.choices import PolicyScope, VariantStatus
    from skills.models import ModelProviderPolicy, Skill, SkillVariant

    template = Skill.objects.get(key="incident_summarization")
    keys: dict[str, str] = {}
    for kind in PROVIDER_KINDS:
        provider = Provider.objects.get(kind=kind)
        skill, _ = Skill.objects.update_or_create(
            key=f"bench_{kind}",
            defaults={
                "name": f"Benchmark ({kind})",
                "group": template.group,
                "capability": template.capability,
                "tier": "large",
                "record_kind": template.record_kind,
                "input_fields": [{"name": "short_description", "required": True}],
                "is_active": True,
            },
        )
        SkillVariant.objects.get_or_create(
            skill=skill,
            provider=None,
            name="default",
            version=1,
            defaults={
                "status": VariantStatus.PUBLISHED,
                "is_default": True,
                "system_prompt": "You summarise incidents in one sentence.",
                "template": "Summarize incident: {{ short_description }}",
                "max_tokens": 200,
            },
        )
        ModelProviderPolicy.objects.update_or_create(
            scope=PolicyScope.SKILL,
            skill=skill,
            defaults={"provider": provider, "is_active": True},
        )
        keys[kind] = skill.key
    return keys
