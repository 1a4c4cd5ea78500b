"""Sanity bounds, not benchmarks: hundreds of in-flight requests are served concurrently.

The server's own cost is well under a millisecond per request; the SDK's client-side cost is
several milliseconds, so the 200/300-request checks use a light aiohttp client (same process,
same GIL as the server thread) and the SDK check uses fewer requests.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import pytest
from openai import AsyncAzureOpenAI

from sandbox import defaults
from sandbox.config import Latency, SandboxConfig
from sandbox.server import SandboxServer


def _run_in_own_loop(coro):  # type: ignore[no-untyped-def]
    """asyncio.run in a fresh thread: a browser test on the same worker may hold this thread's
    event loop (Playwright's sync API), and asyncio.run refuses to nest."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


AZURE_PATH = "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"


@pytest.fixture(scope="module")
def slow_sandbox():
    config = SandboxConfig.default()
    config.latency = Latency(ms=1000)
    with SandboxServer(config) as server:
        yield server


def _burst(url: str, path: str, headers: dict[str, str], body: dict, count: int):
    async def run() -> tuple[list[dict], float]:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one() -> dict:
                async with session.post(url + path, json=body, headers=headers) as response:
                    assert response.status == 200
                    return await response.json()

            started = time.perf_counter()
            results = await asyncio.gather(*(one() for _ in range(count)))
            return results, time.perf_counter() - started

    return _run_in_own_loop(run())


def test_200_concurrent_requests_with_1s_latency(slow_sandbox):
    results, elapsed = _burst(
        slow_sandbox.url,
        AZURE_PATH,
        {"api-key": defaults.AZURE_DEFAULT_KEY},
        {"messages": [{"role": "user", "content": "Printer on floor 3 is jammed"}]},
        200,
    )
    assert len(results) == 200
    assert all("printer" in r["choices"][0]["message"]["content"].lower() for r in results)
    assert 1.0 <= elapsed < 3.0, f"200 requests with 1 s latency took {elapsed:.2f}s"


def test_300_open_connections(slow_sandbox):
    results, elapsed = _burst(
        slow_sandbox.url,
        "/v1/chat/completions",
        {"Authorization": f"Bearer {defaults.NOW_LLM_API_KEY}"},
        {"model": "now-llm-large", "messages": [{"role": "user", "content": "x"}]},
        300,
    )
    assert len(results) == 300
    assert elapsed < 3.0, f"300 connections with 1 s latency took {elapsed:.2f}s"


def test_concurrent_sdk_requests(slow_sandbox):
    async def run() -> tuple[int, float]:
        client = AsyncAzureOpenAI(
            azure_endpoint=slow_sandbox.url,
            api_key=defaults.AZURE_DEFAULT_KEY,
            api_version=defaults.AZURE_API_VERSION,
            max_retries=0,
            timeout=10,
        )
        async with client:
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(
                    client.chat.completions.create(
                        model="gpt4o-prod", messages=[{"role": "user", "content": f"ticket {i}"}]
                    )
                    for i in range(50)
                )
            )
            elapsed = time.perf_counter() - started
        return sum(1 for r in responses if r.choices[0].message.content), elapsed

    answered, elapsed = _run_in_own_loop(run())
    assert answered == 50
    assert elapsed < 3.0, f"50 SDK requests with 1 s latency took {elapsed:.2f}s"
