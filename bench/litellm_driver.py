"""The LiteLLM side of the peer comparison, run by LiteLLM's own virtualenv (var/bench-litellm).

Not imported by the bench (nor by the product): `bench.peer` starts it as
`var/bench-litellm/bin/python bench/litellm_driver.py` and talks JSON lines over its stdin and
stdout, so LiteLLM never shares a process or an environment with the console. The first line
names the targets — per provider the endpoint, key and the chat parameters the console sends
for the benchmark skill — and the driver answers with the versions it runs. Then each line
asks for one call, `{"target": ..., "via": "litellm" | "sdk"}`, and is answered with
`{"ms": ...}`, the call timed here around the call alone (the pipe's round trip stays out), or
`{"error": ...}`. `sdk` is the bare openai SDK in this same process: a second baseline, to
check that the bench process's direct call is a fair one. End of input ends the driver.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any


def _litellm_call(target: dict[str, Any]) -> Callable[[], object]:
    """`litellm.completion` as a user of its SDK would write it for this endpoint."""
    import litellm

    params = dict(target["params"])
    model = params.pop("model")
    kwargs: dict[str, Any] = {
        "api_base": target["endpoint"],
        "api_key": target["api_key"],
        "timeout": target["timeout"],
        "max_retries": 0,  # as the console and the direct call: every attempt is one request
        **params,
    }
    if target["style"] == "azure":
        kwargs["model"] = f"azure/{model}"
        kwargs["api_version"] = target["api_version"]
    else:
        kwargs["model"] = f"openai/{model}"

    def call() -> object:
        return litellm.completion(**kwargs)

    return call


def _sdk_call(target: dict[str, Any]) -> Callable[[], object]:
    """The same request with the bare openai SDK (what `bench.direct` does in the bench)."""
    import openai

    client: openai.OpenAI
    if target["style"] == "azure":
        client = openai.AzureOpenAI(
            azure_endpoint=target["endpoint"],
            api_version=target["api_version"],
            api_key=target["api_key"],
            max_retries=0,
            timeout=target["timeout"],
        )
    else:
        client = openai.OpenAI(
            base_url=target["endpoint"] + "/",
            api_key=target["api_key"],
            max_retries=0,
            timeout=target["timeout"],
        )
    params = target["params"]

    def call() -> object:
        return client.chat.completions.create(**params)

    return call


# The replies' channel. Anything else that writes to stdout (a library's notice) goes to
# stderr instead, so the bench never reads a line that is not a reply.
_REPLIES = sys.stdout


def _reply(message: dict[str, Any]) -> None:
    _REPLIES.write(json.dumps(message) + "\n")
    _REPLIES.flush()


def main() -> int:
    sys.stdout = sys.stderr
    import litellm
    import openai

    litellm.suppress_debug_info = True
    setup = json.loads(sys.stdin.readline())
    calls = {
        (name, via): make(target)
        for name, target in setup["targets"].items()
        for via, make in (("litellm", _litellm_call), ("sdk", _sdk_call))
    }
    version = getattr(litellm, "__version__", "") or _installed_version("litellm")
    _reply({"ready": True, "litellm": version, "openai": openai.__version__})
    for line in sys.stdin:
        ask = json.loads(line)
        call = calls[(ask["target"], ask["via"])]
        try:
            start = time.perf_counter()
            call()
            _reply({"ms": (time.perf_counter() - start) * 1000})
        except Exception as exc:
            _reply({"error": f"{type(exc).__name__}: {exc}"[:500]})
    return 0


def _installed_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    sys.exit(main())
