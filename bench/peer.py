"""The peer: our in-process skill call against LiteLLM's SDK, each over the same direct SDK call.

Sandbox latency 0, the same sandbox endpoint and request for all (the benchmark skill's
resolved connection and chat parameters). Per provider and per round four calls are timed
back to back, in an order that changes every round (`bench.pairs.order`: each call in every
position and after each other call equally often), so host noise and whatever one call leaves
behind fall on all of them alike:

- ours: `invoke_now` of the benchmark skill (resolution, rendering, the durable invocation
  and outbound rows, the SDK call), in this process;
- direct: the bare SDK call (`bench.direct`), in this process;
- LiteLLM: `litellm.completion` with the same endpoint, key and parameters, in LiteLLM's own
  virtualenv (`bench.peer_venv`), timed inside that process (`bench/litellm_driver.py`);
- sdk-in-peer: the bare openai SDK in LiteLLM's process, a cross-check of the baseline.

Our overhead is ours - direct, LiteLLM's is LiteLLM - direct, each within its round; the
figures are their p50 and p95, and the ratio ours / LiteLLM at each (target ≤ 1.0).
LiteLLM - sdk-in-peer is shown beside LiteLLM's overhead: when the two differ, the processes'
baselines differ and the comparison is to be read with that in mind.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import peer_venv
from bench.common import Row, percentile
from bench.direct import direct_call, request_for
from bench.env import INPUT, LOG_DIR, ROOT
from bench.overhead import in_process
from bench.pairs import at_most, differences, interleave, p50_p95, ratio
from providers.adapters import get_adapter

# The providers LiteLLM is pointed at: both speak the OpenAI wire format, which LiteLLM's
# `openai/` and `azure/` routes take with a plain api_base.
PEER_KINDS = ("generic_llm", "azure_openai")
WARMUP = 30
TARGET = "ratio ≤ 1.0"
DRIVER = Path(__file__).resolve().parent / "litellm_driver.py"


class Driver:
    """`bench/litellm_driver.py` under LiteLLM's python: one call per request line."""

    def __init__(self, python: Path, targets: dict[str, dict[str, Any]]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(LOG_DIR / "litellm-driver.log", "wb")  # noqa: SIM115
        # A bare environment: the console's secrets and database stay out of the peer's process.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "NO_PROXY": "*",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # the bundled price map: no fetch at import
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.proc = subprocess.Popen(
            [str(python), "-u", str(DRIVER)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        try:
            self.ready = self._ask({"targets": targets})
        except (RuntimeError, ValueError):
            self.close()
            raise RuntimeError(
                "the LiteLLM driver did not start; see var/bench/litellm-driver.log"
            ) from None

    def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the LiteLLM driver exited; see var/bench/litellm-driver.log")
        return json.loads(line)

    def call(self, target: str, via: str) -> float:
        """One call made in the driver; its duration in ms as timed there."""
        got = self._ask({"target": target, "via": via})
        if "error" in got:
            raise RuntimeError(f"LiteLLM driver, {target} via {via}: {got['error']}")
        return float(got["ms"])

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def _target(skill_key: str) -> dict[str, Any]:
    """Endpoint, key and chat parameters of the benchmark skill's call, for the driver."""
    connection, request = request_for(skill_key, INPUT)
    params = get_adapter(connection).params(request)  # type: ignore[attr-defined]
    if "extra_headers" in params:
        raise ValueError("the connection sends its key in its own header")
    style = "openai"
    if connection.provider.kind == "azure_openai":
        if connection.api_style != "deployments" or connection.resource_path:
            raise ValueError("only the plain deployments API style is set up for LiteLLM")
        style = "azure"
    return {
        "style": style,
        "endpoint": connection.endpoint.rstrip("/"),
        "api_version": connection.api_version,
        "api_key": dict(connection.secrets)["api_key"],
        "timeout": float(connection.timeout_seconds),
        "params": params,
    }


def _ms(fn: Callable[[], object]) -> Callable[[], float]:
    def timed() -> float:
        start = time.perf_counter()
        fn()
        return (time.perf_counter() - start) * 1000

    return timed


def _skipped(reason: str) -> list[Row]:
    print(f"  LiteLLM peer skipped: {reason}", flush=True)
    return [Row("peer", "ratio ours / LiteLLM overhead", f"not measured: {reason}", TARGET)]


def _rows(kind: str, records: list[dict[str, float]], version: str) -> list[Row]:
    ours = p50_p95(differences(records, "ours", "direct"))
    theirs = p50_p95(differences(records, "litellm", "direct"))
    cross = p50_p95(differences(records, "litellm", "sdk-in-peer"))
    direct = percentile([r["direct"] for r in records], 50)
    in_peer = percentile([r["sdk-in-peer"] for r in records], 50)
    n = len(records)
    return [
        Row(
            "peer",
            f"{kind}: our overhead, in-process skill call - direct SDK p50/p95 "
            f"(n={n}; direct p50 {direct:.2f} ms)",
            f"{ours[0]:.2f} / {ours[1]:.2f} ms",
        ),
        Row(
            "peer",
            f"{kind}: LiteLLM {version} overhead, litellm.completion - direct SDK p50/p95 "
            f"(n={n}; over the bare SDK in LiteLLM's own process, p50 {in_peer:.2f} ms: "
            f"{cross[0]:.2f} / {cross[1]:.2f} ms)",
            f"{theirs[0]:.2f} / {theirs[1]:.2f} ms",
        ),
        Row(
            "peer",
            f"{kind}: ratio ours / LiteLLM overhead at p50 / p95",
            f"{ratio(ours[0], theirs[0]):.2f} / {ratio(ours[1], theirs[1]):.2f}",
            TARGET,
            at_most(ours, theirs),
        ),
    ]


def run(ctx: Any) -> list[Row]:
    python, why = peer_venv.ensure()
    if python is None:
        return _skipped(f"LiteLLM's virtualenv could not be installed: {why}")
    ctx.sandbox.set_latency(0)
    targets: dict[str, dict[str, Any]] = {}
    for kind in PEER_KINDS:
        try:
            targets[kind] = _target(ctx.skills[kind])
        except ValueError as exc:
            print(f"  LiteLLM peer: {kind} left out: {exc}", flush=True)
    if not targets:
        return _skipped("no provider LiteLLM can be pointed at")
    try:
        driver = Driver(python, targets)
    except RuntimeError as exc:
        return _skipped(str(exc))
    try:
        version = driver.ready.get("litellm", "")
        calls: dict[str, dict[str, Callable[[], float]]] = {}
        for kind in list(targets):
            try:  # one probe each way: an endpoint LiteLLM cannot call is left out, said once
                driver.call(kind, "litellm")
                driver.call(kind, "sdk")
            except RuntimeError as exc:
                print(f"  LiteLLM peer: {kind} left out: {exc}", flush=True)
                continue
            calls[kind] = {
                "ours": _ms(in_process(ctx.skills[kind])),
                "direct": _ms(direct_call(ctx.skills[kind], INPUT)),
                "litellm": lambda k=kind: driver.call(k, "litellm"),
                "sdk-in-peer": lambda k=kind: driver.call(k, "sdk"),
            }
        if not calls:
            return _skipped("LiteLLM could not call any of the sandbox's endpoints")
        print(
            f"  LiteLLM {version}: {ctx.peer_runs} rounds x {len(calls)} providers x 4 calls",
            flush=True,
        )
        results = interleave(calls, ctx.peer_runs, warmup=WARMUP)
    finally:
        driver.close()
    rows: list[Row] = []
    for kind, records in results.items():
        rows += _rows(kind, records, version)
    return rows
