"""The sandbox server: one aiohttp application on one port for every provider protocol.

:func:`build_app` assembles the routes; :class:`SandboxServer` runs the app in a background
thread with its own event loop (for tests and in-process use); :func:`run_forever` is the
blocking runner behind ``python -m sandbox`` and ``manage.py run_sandbox``.
Everything is asynchronous (latency is ``asyncio.sleep``) so hundreds of requests can be in
flight at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from typing import Any

from aiohttp import web

from sandbox import azure, sts
from sandbox.bedrock import routes as bedrock
from sandbox.common import STATE, SandboxState, json_response, state
from sandbox.config import PROVIDERS, FaultSpec, SandboxConfig
from sandbox.faults import ConnectionAborted, cut_answer, cut_pending
from sandbox.gemini import routes as gemini
from sandbox.openai_compat import routes as openai_compat
from sandbox.tags import INFO
from sandbox.tls import TlsFiles, generate

logger = logging.getLogger(__name__)

BACKLOG = 1024


@web.middleware
async def _record(request: web.Request, handler) -> web.StreamResponse:
    """Log every request (without secrets) once it is answered, aborted or failed."""
    started = time.perf_counter()
    status: int | None = None
    try:
        response = await handler(request)
        status = response.status
        cut = cut_pending(request, response)
        if cut:
            await cut_answer(request, response, cut)  # raises ConnectionAborted, handled below
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except ConnectionAborted:
        # The transport is already closed: hand aiohttp a response it cannot send.
        status = None
        return web.Response(status=499)
    except Exception:
        status = 500
        logger.exception("sandbox handler failed for %s %s", request.method, request.path)
        raise
    finally:
        if not request.path.startswith("/_sandbox/"):
            info = request.get(INFO, {})
            state(request).log.add(
                {
                    "time": time.time(),
                    "method": request.method,
                    "path": request.path,
                    "provider": info.get("provider"),
                    "operation": info.get("operation"),
                    "account": info.get("account"),
                    "model": info.get("model"),
                    "region": info.get("region"),
                    "auth": info.get("auth"),
                    "access_key_id": info.get("access_key_id"),
                    # Header names only (never values): shows how a client authenticated.
                    "headers": sorted({name.lower() for name in request.headers}),
                    "status": status,
                    "fault": info.get("fault"),
                    # Which prompt (a digest, never the text): retries of one request share it.
                    "prompt_digest": info.get("prompt_digest"),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                }
            )


async def _health(request: web.Request) -> web.Response:
    sandbox = state(request)
    return json_response(
        {
            "status": "ok",
            "uptime_s": round(time.time() - sandbox.started_at, 3),
            "providers": list(PROVIDERS),
        }
    )


async def _get_faults(request: web.Request) -> web.Response:
    return json_response(state(request).faults.snapshot())


async def _post_faults(request: web.Request) -> web.Response:
    """Body: ``{"azure_openai": {...spec...}, "*": {...}}`` (``*`` = every provider)."""
    try:
        data = await request.json()
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object of provider → fault spec")
        for provider, spec in data.items():
            state(request).faults.set(provider, FaultSpec.from_dict(spec))
    except (ValueError, TypeError) as exc:
        return json_response({"error": str(exc)}, status=400)
    return json_response(state(request).faults.snapshot())


async def _delete_faults(request: web.Request) -> web.Response:
    provider = request.query.get("provider")
    if provider and provider not in PROVIDERS:
        return json_response({"error": f"unknown provider {provider!r}"}, status=400)
    state(request).faults.clear(provider)
    return json_response(state(request).faults.snapshot())


async def _get_requests(request: web.Request) -> web.Response:
    entries = state(request).log.entries()
    provider = request.query.get("provider")
    if provider:
        entries = [e for e in entries if e["provider"] == provider]
    return json_response({"requests": entries})


async def _delete_requests(request: web.Request) -> web.Response:
    state(request).log.clear()
    return json_response({"requests": []})


def build_app(config: SandboxConfig | None = None) -> web.Application:
    """The aiohttp application serving every provider protocol plus ``/_sandbox/*``."""
    app = web.Application(middlewares=[_record], client_max_size=32 * 1024 * 1024)
    app[STATE] = SandboxState.create(config or SandboxConfig.default())
    app.router.add_get("/_sandbox/health", _health)
    app.router.add_get("/_sandbox/faults", _get_faults)
    app.router.add_post("/_sandbox/faults", _post_faults)
    app.router.add_delete("/_sandbox/faults", _delete_faults)
    app.router.add_get("/_sandbox/requests", _get_requests)
    app.router.add_delete("/_sandbox/requests", _delete_requests)
    azure.add_routes(app)
    openai_compat.add_routes(app)
    bedrock.add_routes(app)
    gemini.add_routes(app)
    sts.add_routes(app)
    return app


async def start_site(
    app: web.Application, host: str, port: int, tls: TlsFiles | None
) -> tuple[web.AppRunner, int]:
    """Start serving; returns the runner and the bound port (useful with ``port=0``)."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(
        runner,
        host,
        port,
        backlog=BACKLOG,
        ssl_context=tls.server_context() if tls else None,
        reuse_address=True,
    )
    await site.start()
    bound = port
    server = getattr(site, "_server", None)
    if server is not None and server.sockets:
        bound = server.sockets[0].getsockname()[1]
    return runner, bound


class SandboxServer:
    """Run the sandbox in a background thread; use as a context manager in tests.

    ``url`` is ``http(s)://host:port``; with ``tls=True`` clients trust ``ca_path``.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
    ) -> None:
        self.config = config or SandboxConfig.default()
        self.host = host
        self.port = port
        self.tls = tls
        self.ca_path: str | None = None
        self._tls_files: TlsFiles | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._app: web.Application | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def state(self) -> SandboxState:
        assert self._app is not None, "server not started"
        return self._app[STATE]

    def start(self) -> SandboxServer:
        if self._thread is not None:
            return self
        if self.tls:
            self._tls_files = generate(hosts=(self.host,))
            self.ca_path = self._tls_files.ca_path
        self._thread = threading.Thread(target=self._run, name="provider-sandbox", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._error is not None:
            raise RuntimeError("provider sandbox failed to start") from self._error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._app = build_app(self.config)
            self._runner, self.port = loop.run_until_complete(
                start_site(self._app, self.host, self.port, self._tls_files)
            )
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

    def _call(self, func, *args: Any) -> Any:
        """Run ``func`` on the server loop (its state is not shared across threads)."""
        assert self._loop is not None, "server not started"

        async def call() -> Any:
            return func(*args)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=10)

    def set_faults(
        self,
        provider: str | dict[str, Any] = "*",
        spec: FaultSpec | dict[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """``set_faults("azure_openai", kind="throttle", fail_next=1)``; ``"*"`` = all.

        Also accepts the ``POST /_sandbox/faults`` document: ``set_faults({"*": {...}})``.
        """
        if isinstance(provider, dict):
            for name, one in provider.items():
                self._call(self.state.faults.set, name, FaultSpec.from_dict(one))
            return
        if spec is None:
            spec = FaultSpec.from_dict(fields)
        self._call(self.state.faults.set, provider, spec)

    def clear_faults(self, provider: str | None = None) -> None:
        self._call(self.state.faults.clear, provider)

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.state.log.entries()

    def clear_requests(self) -> None:
        self.state.log.clear()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_forever(
    config: SandboxConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8900,
    tls: bool = False,
    announce=print,
) -> None:
    """Serve until interrupted (Ctrl-C); prints the URL (and CA path with TLS)."""
    config = config or SandboxConfig.default()
    tls_files = generate(hosts=(host,)) if tls else None

    async def main() -> None:
        app = build_app(config)
        runner, bound = await start_site(app, host, port, tls_files)
        scheme = "https" if tls else "http"
        announce(f"Provider sandbox listening on {scheme}://{host}:{bound}")
        if tls_files:
            announce(f"CA certificate: {tls_files.ca_path}")
        announce(
            "Providers: "
            + json.dumps(
                {
                    "azure_openai": sorted(config.azure),
                    "aws_bedrock": len(config.aws.credentials),
                    "google_gemini": sorted(config.gcp.projects),
                    "openai_compatible": sorted(config.openai_compatible),
                }
            )
        )
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
