"""``python -m sandbox [--host H] [--port 8900] [--config FILE] [--tls]``.

Runs without Django so the sandbox can be started on its own (demo, benchmarks, rehearsal).
"""

from __future__ import annotations

import argparse
import functools
import logging
from collections.abc import Sequence

from sandbox.config import SandboxConfig
from sandbox.server import run_forever

DEFAULT_PORT = 8900


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Shared by this entry point and the ``run_sandbox`` management command."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8900)")
    parser.add_argument("--config", default=None, help="JSON config file (default: demo accounts)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")


def run(host: str, port: int, config_path: str | None, tls: bool, announce=None) -> None:
    """Load the config and serve until interrupted."""
    config = SandboxConfig.from_file(config_path) if config_path else SandboxConfig.default()
    announce = announce or functools.partial(print, flush=True)
    run_forever(config, host=host, port=port, tls=tls, announce=announce)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    run(args.host, args.port, args.config, args.tls)


if __name__ == "__main__":
    main()
