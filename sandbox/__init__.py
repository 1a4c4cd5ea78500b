"""Provider sandbox: a local server speaking the real wire protocols of Azure OpenAI, Amazon
Bedrock Runtime (Claude) with STS AssumeRole, Google Gemini (Gemini API and Vertex AI) and
OpenAI-compatible LLMs (Bearer keys, or a gateway's own key header).

The unmodified official SDKs work against it with only the base URL changed, so tests, the
demo and benchmarks exercise the same code paths as production. It does not depend on Django.

Quick use::

    from sandbox import SandboxServer, defaults

    with SandboxServer() as sandbox:          # background thread, random port
        AzureOpenAI(azure_endpoint=sandbox.url, api_key=defaults.AZURE_DEFAULT_KEY, ...)
        sandbox.set_faults("aws_bedrock", kind="throttle", fail_next=1)

Standalone: ``python -m sandbox --port 8900`` or ``manage.py run_sandbox``.
Control endpoints: ``GET /_sandbox/health``, ``GET|POST|DELETE /_sandbox/faults``,
``GET|DELETE /_sandbox/requests``.
"""

from __future__ import annotations

from sandbox.config import FaultSpec, Latency, SandboxConfig
from sandbox.defaults import service_account_info
from sandbox.server import SandboxServer, build_app, run_forever

__all__ = [
    "FaultSpec",
    "Latency",
    "SandboxConfig",
    "SandboxServer",
    "build_app",
    "run_forever",
    "service_account_info",
]
